using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ChatSend.Bench;

public enum CallKind
{
    TableRead,
    TableQuery,
    TableWrite,
    TableTransaction,

    /// <summary>The sandbox's own record of a send (its table): the simulated network's write, not ChatSend's.</summary>
    SandboxRecord,
    QueuePut,
    QueueReceive,
    QueueEmptyReceive,
    QueueDelete,
    QueueUpdate,
    Blob,
    Other,
}

/// <summary>
/// Counts every request a storage client sends (added to each client's pipeline per try, so a retry counts again), by
/// kind, told from the service's port and the method, path and query; and the deletes from each queue (all its shards)
/// that succeeded, which say how many queue messages were handled.
/// </summary>
public sealed partial class StorageCallCounter(Azurite azurite) : RecordingPolicy
{
    private readonly long[] _calls = new long[Enum.GetValues<CallKind>().Length];
    private readonly ConcurrentDictionary<string, long> _deleted = new();

    /// <summary>The emulator whose calls this counts.</summary>
    public Azurite Azurite => azurite;

    public void Reset()
    {
        for (var i = 0; i < _calls.Length; i++)
            Interlocked.Exchange(ref _calls[i], 0);
    }

    public Dictionary<string, long> Snapshot() =>
        Enum.GetValues<CallKind>().ToDictionary(k => k.ToString(), k => Interlocked.Read(ref _calls[(int)k]));

    public long Deleted(string queue) => _deleted.GetValueOrDefault(queue);

    /// <summary>Waits until <paramref name="count"/> messages were deleted from <paramref name="queue"/> (handled), or throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForDeletesAsync(string queue, long count, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; Deleted(queue) < count; await Task.Delay(10))
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Deleted(queue)} of {count} messages handled from queue {queue} in {timeout}");
    }

    protected override void Record(HttpMessage message)
    {
        var request = message.Request;
        var segments = request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries); // [account, table or queue or container, ...]
        var method = request.Method.Method;
        var port = request.Uri.Port;
        var kind = port == azurite.TablePort ? TableCall(method, segments, request.Uri.Query)
            : port == azurite.QueuePort ? QueueCall(message, method, segments)
            : port == azurite.BlobPort ? CallKind.Blob
            : CallKind.Other;
        Interlocked.Increment(ref _calls[(int)kind]);
        if (kind == CallKind.QueueDelete && message.HasResponse && message.Response.Status == 204)
            _deleted.AddOrUpdate(ShardSuffix().Replace(segments[1], ""), 1, (_, n) => n + 1); // every shard of a queue as one
    }

    private static CallKind TableCall(string method, string[] segments, string query)
    {
        var target = segments.Length > 1 ? segments[1] : "";
        if (target == "$batch")
            return CallKind.TableTransaction;
        if (target.StartsWith("Tables", StringComparison.Ordinal))
            return CallKind.Other;
        if (target.StartsWith(ChatSend.Storage.StorageNames.SandboxTable, StringComparison.Ordinal))
            return CallKind.SandboxRecord;
        var entity = target.Contains("(PartitionKey=", StringComparison.Ordinal);
        return method switch
        {
            "GET" when entity && !query.Contains("$filter", StringComparison.Ordinal) => CallKind.TableRead,
            "GET" => CallKind.TableQuery,
            _ => CallKind.TableWrite,
        };
    }

    private static CallKind QueueCall(HttpMessage message, string method, string[] segments)
    {
        if (segments is not [_, _, "messages", ..])
            return CallKind.Other;
        var one = segments.Length > 3;
        return method switch
        {
            "POST" when !one => CallKind.QueuePut,
            "GET" => HasMessages(message) ? CallKind.QueueReceive : CallKind.QueueEmptyReceive,
            "DELETE" when one => CallKind.QueueDelete,
            "PUT" when one => CallKind.QueueUpdate,
            _ => CallKind.Other,
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex("-[1-9]$")]
    private static partial System.Text.RegularExpressions.Regex ShardSuffix();

    // Receives are buffered by the time a per-try policy sees them; an empty one is an idle poll, not work.
    private static bool HasMessages(HttpMessage message) =>
        message.HasResponse && message.Response.Content.ToString().Contains("<QueueMessage>", StringComparison.Ordinal);
}
