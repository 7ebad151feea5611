using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ChatSend.Queues;
using ChatSend.Storage;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// The shards of each work queue the tests' hosts and services run with: <c>CHATSEND_TEST_QUEUE_SHARDS</c> (1 to 4),
/// else 1. <c>scripts/test.sh</c> runs a part of the suite a second time with 4, so the same tests prove both.
/// </summary>
public static class TestQueueShards
{
    public const string Variable = "CHATSEND_TEST_QUEUE_SHARDS";

    public static int Count { get; } =
        int.TryParse(Environment.GetEnvironmentVariable(Variable), out var shards) && shards is >= 1 and <= StorageNames.MaxQueueShards ? shards : 1;

    /// <summary>The setting that gives a host or the library's services <see cref="Count"/> shards.</summary>
    public static KeyValuePair<string, string?> Setting => new(QueuesOptions.Section + ":" + nameof(QueuesOptions.Shards), Count.ToString());
}

/// <summary>
/// Every shard of one work queue, for a test that looks at its jobs as one queue: wherever a job's key put it, the test
/// finds it. Each call reads the shards one after another, up to 32 messages each.
/// </summary>
public sealed class ShardedJobs(StorageClients clients, string queue, int shards)
{
    public IReadOnlyList<QueueClient> Shards { get; } =
        Enumerable.Range(0, shards).Select(k => clients.Queue(StorageNames.Shard(queue, k))).ToList();

    public async Task ClearAsync()
    {
        foreach (var shard in Shards)
            await shard.ClearMessagesAsync();
    }

    public async Task<List<PeekedMessage>> PeekAsync()
    {
        var peeked = new List<PeekedMessage>();
        foreach (var shard in Shards)
            peeked.AddRange((await shard.PeekMessagesAsync(32)).Value);
        return peeked;
    }

    /// <summary>Takes the visible messages off every shard, hidden for <paramref name="visibility"/> (the default: 30 s).</summary>
    public async Task<List<QueueMessage>> ReceiveAsync(TimeSpan? visibility = null)
    {
        var received = new List<QueueMessage>();
        foreach (var shard in Shards)
            received.AddRange((await shard.ReceiveMessagesAsync(32, visibility)).Value);
        return received;
    }

    /// <summary>Takes the visible messages off every shard and deletes them.</summary>
    public async Task<List<QueueMessage>> TakeAsync()
    {
        var taken = new List<QueueMessage>();
        foreach (var shard in Shards)
            foreach (var message in (await shard.ReceiveMessagesAsync(32)).Value)
            {
                await shard.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                taken.Add(message);
            }
        return taken;
    }

    /// <summary>
    /// Hands every job on every shard to <paramref name="handle"/> and deletes it, as the queue triggers would, until a pass
    /// over the shards finds none (a job may queue another, on any shard).
    /// </summary>
    public async Task RunAllAsync(Func<string, Task> handle)
    {
        for (var ran = true; ran;)
        {
            ran = false;
            foreach (var shard in Shards)
                while ((await shard.ReceiveMessagesAsync(32)).Value is { Length: > 0 } jobs)
                    foreach (var job in jobs)
                    {
                        await handle(job.Body.ToString());
                        await shard.DeleteMessageAsync(job.MessageId, job.PopReceipt);
                        ran = true;
                    }
        }
    }

    /// <summary>Messages on every shard, hidden ones (delayed puts) included.</summary>
    public async Task<int> CountAsync()
    {
        var count = 0;
        foreach (var shard in Shards)
            count += (await shard.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        return count;
    }
}

/// <summary>Storage calls (<see cref="StorageFaults"/>' descriptions) on a work queue, whichever of its shards they went to.</summary>
public static partial class QueueCalls
{
    /// <summary>What a put on any shard of <paramref name="queue"/> contains, for <see cref="StorageFaults.Next(Fault, string[])"/>.</summary>
    public static string[] Put(string queue) => ["POST " + queue, "/messages"];

    /// <summary>The call as it reads with one shard: <c>POST deliveries-2/messages</c> is <c>POST deliveries/messages</c>.</summary>
    public static string Unsharded(string call) => ShardSuffix().Replace(call, "");

    [System.Text.RegularExpressions.GeneratedRegex(@"-[1-9](?=/messages)")]
    private static partial System.Text.RegularExpressions.Regex ShardSuffix();
}
