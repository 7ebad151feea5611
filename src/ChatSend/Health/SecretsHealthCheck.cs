using ChatSend.Providers;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatSend.Health;

/// <summary>
/// Every secret an enabled session names resolves through <see cref="ProviderSecrets"/>, as delivery will resolve it.
/// The answer names the missing secrets, never a value nor the sessions. Sessions are read through
/// <see cref="SessionStore"/> and its cache, so a check costs one listing of session ids.
/// </summary>
public sealed class SecretsHealthCheck(SessionStore sessions, ProviderSecrets secrets) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var id in sessions.ListIdsAsync(cancellationToken))
                if (await sessions.FindAsync(id, cancellationToken) is { Enabled: true, SecretNames: { } names } session)
                    foreach (var (key, name) in names)
                        if (name.Length > 0 && secrets.Find(session, key) is null)
                            missing.Add(name);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, cancellationToken))
        {
            return HealthCheckResult.Unhealthy($"sessions could not be read: table storage {HealthFailures.Describe(ex)}");
        }
        return missing.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy(
                $"secrets not configured: {string.Join(", ", missing.Select(n => $"'{n}'"))} (set {ProviderSecrets.Section}:<name>)");
    }
}
