using ChatSend.Sessions;
using Microsoft.Extensions.Configuration;

namespace ChatSend.Providers;

/// <summary>
/// A session's secrets, by the names it stores: the values live in configuration under <c>ChatSend:Secrets:&lt;name&gt;</c>
/// (a Key Vault reference in Azure), read at each use, so a rotated secret is picked up without touching the session.
/// </summary>
public sealed class ProviderSecrets(IConfiguration configuration)
{
    public const string Section = "ChatSend:Secrets";

    public string? Find(Session session, string key) =>
        session.SecretNames?.GetValueOrDefault(key) is { Length: > 0 } name && configuration[$"{Section}:{name}"] is { Length: > 0 } value
            ? value
            : null;

    /// <summary>The secret's value, or a permanent provider failure naming what is missing (never the value).</summary>
    public string Require(Session session, string key) =>
        Find(session, key) ?? throw new ProviderException(
            session.SecretNames?.GetValueOrDefault(key) is { } name
                ? $"the secret '{name}' ({key}) is not configured (set {Section}:{name})"
                : $"the session names no secret for {key} (session … --secret {key}=<secret name>)",
            transient: false);
}
