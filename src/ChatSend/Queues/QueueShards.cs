using System.ComponentModel.DataAnnotations;
using System.Text;
using Azure.Storage.Queues;
using ChatSend.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ChatSend.Queues;

/// <summary><c>ChatSend:Queues</c>: how many queues each work queue is spread over.</summary>
public sealed class QueuesOptions
{
    public const string Section = "ChatSend:Queues";

    /// <summary>
    /// Shards of each work queue (deliveries, receipts, events, webhook deliveries): a queue takes about 2,000 messages a
    /// second, so four take four times that. Each shard is polled while idle, so more cost more at rest.
    /// </summary>
    [Range(1, StorageNames.MaxQueueShards, ErrorMessage = "ChatSend:Queues:Shards must be a whole number from {1} to {2}")]
    public int Shards { get; set; } = 1;
}

/// <summary>
/// Which shard of a work queue a job goes to: a stable hash of its key (a message id, mostly) modulo
/// <see cref="QueuesOptions.Shards"/>, so the jobs of a message go to one shard on every instance and after every restart.
/// </summary>
public sealed class QueueShards(StorageClients storage, IOptions<QueuesOptions> options)
{
    public int Count => options.Value.Shards;

    /// <summary>Every queue of the shards in use, poison queues included.</summary>
    public IReadOnlyList<string> Queues => StorageNames.QueuesFor(Count);

    /// <summary><paramref name="queue"/>'s shards, as clients.</summary>
    public ShardedQueue Of(string queue) =>
        new(Enumerable.Range(0, Count).Select(k => storage.Queue(StorageNames.Shard(queue, k))).ToArray());

    /// <summary>
    /// The shard of <paramref name="key"/> among <paramref name="shards"/>: FNV-1a over its UTF-8 bytes, mixed by
    /// MurmurHash3's finalizer (keys that differ only in their last character land apart too), scaled to the shards by its
    /// high bits. Not <see cref="string.GetHashCode()"/>, which differs from one process to the next.
    /// </summary>
    public static int ShardOf(string key, int shards)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
            hash = (hash ^ b) * 16777619u;
        hash = (hash ^ hash >> 16) * 0x85ebca6bu;
        hash = (hash ^ hash >> 13) * 0xc2b2ae35u;
        hash ^= hash >> 16;
        return (int)((ulong)hash * (uint)shards >> 32);
    }
}

/// <summary>The shards of one work queue.</summary>
public sealed class ShardedQueue(QueueClient[] shards)
{
    /// <summary>The shard <paramref name="key"/>'s job goes to.</summary>
    public QueueClient For(string key) => shards[QueueShards.ShardOf(key, shards.Length)];
}

/// <summary>
/// For the Functions app: refuses a shard count whose functions its app settings tell the Functions host not to run
/// (<c>AzureWebJobs.&lt;function&gt;.Disabled</c>, or <c>AzureWebJobs_&lt;function&gt;_Disabled</c> as Linux passes it on),
/// since the jobs put on those shards would wait on queues nothing drains. Functions beyond the count may run: they
/// cost idle polls, nothing else.
/// </summary>
public sealed class QueueShardFunctionsCheck(IConfiguration configuration) : IValidateOptions<QueuesOptions>
{
    public ValidateOptionsResult Validate(string? name, QueuesOptions options)
    {
        var disabled = QueueEndpoints.Active(options.Shards).Select(e => e.Name).Where(IsDisabled).ToList();
        return disabled.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"ChatSend:Queues:Shards is {options.Shards}, but the app settings disable {string.Join(", ", disabled)} " +
                "(AzureWebJobs.<function>.Disabled): the jobs of those shards would wait on queues nothing drains. Enable those functions or " +
                "lower the count; queueShards in Bicep sets both (docs/operations.md, \"Queue shards\").");
    }

    private bool IsDisabled(string function) =>
        IsTrue(configuration[$"AzureWebJobs.{function}.Disabled"]) || IsTrue(configuration[$"AzureWebJobs_{function}_Disabled"]);

    private static bool IsTrue(string? value) => bool.TryParse(value, out var on) ? on : value?.Trim() == "1";
}
