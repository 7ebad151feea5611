using Azure;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatSend.Health;

/// <summary>
/// One listing call to each storage service, checked against <see cref="StorageNames"/>: every table, queue (of the
/// shards in use) and container ChatSend uses exists. The three calls run at once; the answer names each service that
/// failed and each missing name.
/// </summary>
public sealed class StorageHealthCheck(StorageClients storage, QueueShards shards) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = await Task.WhenAll(
            ProbeAsync("table", StorageNames.Tables, () => NamesAsync(storage.Tables.QueryAsync(cancellationToken: cancellationToken), t => t.Name), cancellationToken),
            ProbeAsync("queue", shards.Queues, () => NamesAsync(storage.Queues.GetQueuesAsync(cancellationToken: cancellationToken), q => q.Name), cancellationToken),
            ProbeAsync("blob", StorageNames.Containers, () => NamesAsync(storage.Blobs.GetBlobContainersAsync(cancellationToken: cancellationToken), c => c.Name), cancellationToken));
        var failed = problems.OfType<string>().ToList();
        return failed.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(string.Join("; ", failed));
    }

    private static async Task<string?> ProbeAsync(string service, IReadOnlyList<string> expected, Func<Task<HashSet<string>>> list,
        CancellationToken cancellationToken)
    {
        try
        {
            var found = await list();
            var missing = expected.Where(name => !found.Contains(name)).Select(name => $"'{name}'").ToList();
            return missing.Count == 0 ? null : $"missing {(service == "blob" ? "container" : service)}: {string.Join(", ", missing)}";
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, cancellationToken))
        {
            return $"{service} storage {HealthFailures.Describe(ex)}";
        }
    }

    private static async Task<HashSet<string>> NamesAsync<T>(AsyncPageable<T> items, Func<T, string> name) where T : notnull
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in items)
            names.Add(name(item));
        return names;
    }
}
