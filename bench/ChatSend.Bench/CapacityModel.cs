using System.Text.RegularExpressions;

namespace ChatSend.Bench;

/// <summary>
/// A table's busiest partition, or a queue (all its shards: <paramref name="Units"/>), and what it carries per send:
/// entities, or queue messages, against <paramref name="Target"/> a second for each unit.
/// </summary>
internal sealed record Load(string Name, double PerSend, double Target, int Units = 1)
{
    /// <summary>Sends a second at the target: infinite when it carries nothing.</summary>
    public double Sends => Target * Units / PerSend;

    /// <summary>The units (partitions, shards) that <see cref="CapacityModel.Goal"/> sends a second take.</summary>
    public double ForGoal => Math.Ceiling(CapacityModel.Goal * PerSend / Target);
}

/// <summary>
/// A capacity part's counts against Azure Storage's published targets, per send of the mix (its customers' messages
/// ride along). <see cref="Requests"/> are ChatSend's requests to the account as counted (the sandbox's own record and
/// idle polls aside, the provider's downloads of files through their links in); <see cref="RequestsAtLoad"/> the same
/// with every receive bringing a full batch (<see cref="Batch"/>, host.json's batchSize), as it does when the queues are
/// never empty, which is where the account's ceiling is. <see cref="Partitions"/> are the busiest partition of each
/// table in <see cref="PartitionTables"/>; a session's ceiling is the lowest of those that follow it.
/// </summary>
internal sealed partial record CapacityModel(double Requests, double RequestsAtLoad, IReadOnlyList<Load> Partitions, IReadOnlyList<Load> Queues)
{
    // https://learn.microsoft.com/azure/storage/tables/scalability-targets: a table partition, up to 2,000 entities/s
    // (1 KiB entities). https://learn.microsoft.com/azure/storage/queues/scalability-targets: a queue, up to 2,000
    // messages/s (1 KiB). https://learn.microsoft.com/azure/storage/common/scalability-targets-standard-account: a
    // standard account, 20,000 requests/s by default (40,000 in the regions that page lists).
    public const double PartitionEntities = 2_000;
    public const double QueueMessages = 2_000;
    public const double AccountRequests = 20_000;
    public const double Goal = 10_000;
    public const double Batch = 16;

    /// <summary>What each table's partition key is.</summary>
    public static readonly Dictionary<string, string> PartitionKeys = new()
    {
        ["messages"] = "the session", ["pacing"] = "the session", ["idempotency"] = "the API key", ["sweepindex"] = "a minute",
        ["sessions"] = "a session", ["apikeys"] = "an API key", ["webhooks"] = "the session", ["webhooklog"] = "a webhook endpoint",
        ["providerids"] = "a provider's id", ["sandbox"] = "a message (the sandbox's own record, not ChatSend's)",
    };

    /// <summary>The tables whose busiest partition the model weighs, and whether it follows the session (or its endpoint).</summary>
    public static readonly (string Table, bool OfSession)[] PartitionTables =
        [("messages", true), ("pacing", true), ("webhooks", true), ("webhooklog", true), ("idempotency", false)];

    /// <summary>The queue operations that each count as a message against a queue's target.</summary>
    public static readonly string[] QueueMessageOperations = ["put", "received", "delete", "update"];

    public Load Session => Partitions.Where(p => PartitionTables.Single(t => t.Table == p.Name).OfSession).MinBy(p => p.Sends)!;
    public Load Queue => Queues.MinBy(q => q.Sends)!;
    public double PerAccount => AccountRequests / RequestsAtLoad;
    public double PerDeployment => Math.Min(Queue.Sends, PerAccount);
    public string DeploymentBound => Queue.Sends <= PerAccount ? $"the `{Queue.Name}` queue" : "the account's requests";

    public double AccountsForGoal => Math.Ceiling(Goal / PerAccount);

    public static CapacityModel Of(RunResult run)
    {
        var counts = run.Counts!;
        var sends = (double)run.Spec.Count;
        double Count(string key) => counts.GetValueOrDefault(key);
        var partitions = PartitionTables.Select(t => new Load(t.Table, Count(CallLedger.TableKey(t.Table, "busiest")) / sends, PartitionEntities)).ToList();
        var queues = QueueNames(counts).GroupBy(BaseName)
            .Select(g => new Load(g.Key, g.Sum(q => QueueMessageOperations.Sum(o => Count(CallLedger.QueueKey(q, o)))) / sends, QueueMessages, g.Count()))
            .Where(q => q.PerSend > 0).ToList();
        double Queued(string operation) => QueueNames(counts).Sum(q => Count(CallLedger.QueueKey(q, operation)));
        var requests = Count(CallLedger.Requests) - Count(CallLedger.TableKey("sandbox", "requests")) - Queued("empty") + Count(CapacityRun.ProviderDownloads);
        var atLoad = requests - Queued("receive") + Math.Ceiling(Queued("received") / Batch);
        return new CapacityModel(requests / sends, atLoad / sends, partitions, queues);
    }

    public static IEnumerable<string> QueueNames(Dictionary<string, long> counts) =>
        counts.Keys.Select(k => QueueKey().Match(k)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().Order();

    public static IEnumerable<string> TableNames(Dictionary<string, long> counts) =>
        counts.Keys.Select(k => TableKey().Match(k)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct();

    /// <summary>A queue's name less a shard's suffix (<c>deliveries-2</c> → <c>deliveries</c>).</summary>
    public static string BaseName(string queue) => ShardSuffix().Replace(queue, "");

    [GeneratedRegex(@"^table (\S+) requests$")]
    private static partial Regex TableKey();

    [GeneratedRegex(@"^queue (\S+) ")]
    private static partial Regex QueueKey();

    [GeneratedRegex(@"-\d+$")]
    private static partial Regex ShardSuffix();
}
