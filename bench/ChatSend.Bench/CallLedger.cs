using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ChatSend.Bench;

/// <summary>
/// Where each storage request the app makes lands, for the capacity part, per try as <see cref="StorageCallCounter"/>
/// counts: table requests and entities by table and partition (an entity-group transaction is one request and as many
/// entities as it holds; a read as many as it returns, at least one), queue operations by the queue's name as the app
/// used it, blob requests by container. <see cref="Snapshot"/> names them: per table (<see cref="TableKey"/>) its
/// requests, refused transactions (an ETag that no longer matched, a row already there or gone), entities written and
/// read, partitions touched and the entities of the busiest one; per queue (<see cref="QueueKey"/>) its puts, messages
/// received, receives that brought some and that brought none (idle polls), deletes, updates and others; per container
/// (<see cref="BlobKey"/>) its requests; and every request by method, target and status (<c>call …</c>), to look into.
/// </summary>
public sealed partial class CallLedger(Azurite azurite) : RecordingPolicy
{
    public const string Requests = "requests";
    public const string OtherRequests = "other";

    /// <summary>Requests that got no answer (canceled as the host stopped, or the connection failed): they may not have reached storage.</summary>
    public const string Unanswered = "unanswered";

    /// <summary>Requests whose place this could not read (a body it did not expect): counted in <see cref="Requests"/> only.</summary>
    public const string Unread = "unread";

    private readonly ConcurrentDictionary<string, long> _counts = new();
    private readonly ConcurrentDictionary<(string Table, string Partition), long> _entities = new();

    public static string TableKey(string table, string count) => $"table {table} {count}";
    public static string QueueKey(string queue, string operation) => $"queue {queue} {operation}";
    public static string BlobKey(string container) => $"blob {container}";

    public void Reset()
    {
        _counts.Clear();
        _entities.Clear();
    }

    public Dictionary<string, long> Snapshot()
    {
        var counts = new Dictionary<string, long>(_counts);
        foreach (var table in _entities.GroupBy(e => e.Key.Table))
        {
            counts[TableKey(table.Key, "partitions")] = table.Count();
            counts[TableKey(table.Key, "busiest")] = table.Max(p => p.Value);
        }
        return counts;
    }

    private void Add(string key, long n = 1) => _counts.AddOrUpdate(key, n, (_, total) => total + n);

    protected override void Record(HttpMessage message)
    {
        Add(Requests);
        if (!message.HasResponse)
            Add(Unanswered);
        try
        {
            Add(CallKey(message));
            RecordWhere(message);
        }
        catch (Exception)
        {
            Add(Unread); // a request this cannot place is counted, never turned into the app's failure
        }
    }

    private void RecordWhere(HttpMessage message)
    {
        var request = message.Request;
        var segments = request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries); // [account, table or queue or container, ...]
        var port = request.Uri.Port;
        if (port == azurite.TablePort)
            RecordTable(message, segments);
        else if (port == azurite.QueuePort && segments is [_, var queue, "messages", ..])
            RecordQueue(message, queue, segments.Length > 3);
        else if (port == azurite.BlobPort)
            Add(BlobKey(segments.Length > 1 ? segments[1] : "(account)"));
        else
            Add(OtherRequests);
    }

    private void RecordTable(HttpMessage message, string[] segments)
    {
        var target = Uri.UnescapeDataString(segments.Length > 1 ? segments[1] : "");
        var (table, partition, written, read) = target == "$batch" ? Batch(Body(message))
            : message.Request.Method == RequestMethod.Get ? Read(message, target)
            : (NameOf(target), PartitionIn(target) ?? PartitionInBody(Body(message)), 1, 0);
        if (table is "Tables" or "")
        {
            Add(OtherRequests);
            return;
        }
        Add(TableKey(table, "requests"));
        if (target == "$batch" && message.HasResponse && RefusedInBatch().IsMatch(message.Response.Content.ToString()))
            Add(TableKey(table, "refused"));
        Add(TableKey(table, "written"), written);
        Add(TableKey(table, "read"), read);
        _entities.AddOrUpdate((table, partition ?? "(unknown)"), written + read, (_, total) => total + written + read);
    }

    // A point read (the partition in the path) or a query (in its $filter, or none: a scan).
    private static (string, string?, long, long) Read(HttpMessage message, string target)
    {
        var partition = PartitionIn(target) ?? PartitionIn(Uri.UnescapeDataString(message.Request.Uri.Query)) ?? "(scan)";
        var returned = 0L;
        if (message.HasResponse && message.Response.Status == 200)
        {
            using var json = JsonDocument.Parse(message.Response.Content.ToMemory());
            returned = json.RootElement.TryGetProperty("value", out var value) ? value.GetArrayLength() : 1;
        }
        return (NameOf(target), partition, 0, Math.Max(1, returned));
    }

    // Every sub-request of a transaction names its table, and all of them one partition.
    private static (string, string?, long, long) Batch(string body)
    {
        var lines = SubRequest().Matches(body);
        var first = lines.Count > 0 ? Uri.UnescapeDataString(new Uri(lines[0].Groups[1].Value).AbsolutePath.Split('/')[^1]) : "";
        var partition = lines.Select(l => PartitionIn(Uri.UnescapeDataString(l.Groups[1].Value))).FirstOrDefault(p => p is not null)
                        ?? PartitionInBody(body);
        return (NameOf(first), partition, lines.Count, 0);
    }

    private void RecordQueue(HttpMessage message, string queue, bool one)
    {
        var method = message.Request.Method.Method;
        if (method == "GET")
        {
            // Receives are buffered by the time a per-try policy sees them.
            var received = message.HasResponse ? QueueMessage().Count(message.Response.Content.ToString()) : 0;
            Add(QueueKey(queue, received > 0 ? "receive" : "empty"));
            Add(QueueKey(queue, "received"), received);
            return;
        }
        var operation = method switch
        {
            "POST" when !one => "put",
            "DELETE" when one => "delete",
            "PUT" when one => "update",
            _ => "other",
        };
        Add(QueueKey(queue, operation));
    }

    private static string Body(HttpMessage message)
    {
        if (message.Request.Content is not { } content)
            return "";
        using var stream = new MemoryStream();
        content.WriteTo(stream, CancellationToken.None);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    // "call GET messages(PartitionKey=…,RowKey='~~~h…') 200": the method, the target with its keys cut short, the status (0: none).
    private static string CallKey(HttpMessage message)
    {
        var path = string.Join('/', Uri.UnescapeDataString(message.Request.Uri.Path).Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        path = MessageIdInPath().Replace(RowKeyInPath().Replace(PartitionInPath().Replace(path, "PartitionKey=…"),
            m => $"RowKey='{m.Groups[1].Value[..Math.Min(4, m.Groups[1].Length)]}…'"), "/…");
        return $"call {message.Request.Method} {path} {(message.HasResponse ? message.Response.Status : 0)}";
    }

    private static string NameOf(string target) => target.Split('(')[0];

    private static string? PartitionIn(string text) =>
        PartitionInPath().Match(text) is { Success: true } match ? match.Groups[1].Value.Replace("''", "'") : null;

    private static string? PartitionInBody(string body) =>
        PartitionInJson().Match(body) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex(@"^(?:GET|POST|PUT|PATCH|MERGE|DELETE) (\S+) HTTP/1\.1", RegexOptions.Multiline)]
    private static partial Regex SubRequest();

    [GeneratedRegex(@"PartitionKey(?:=| eq )'((?:[^']|'')*)'")]
    private static partial Regex PartitionInPath();

    [GeneratedRegex(@"RowKey='((?:[^']|'')*)'")]
    private static partial Regex RowKeyInPath();

    // A queue message's id or a blob's name after its queue or container.
    [GeneratedRegex(@"(?<=^(?:[^/]+/messages|media))/.+$")]
    private static partial Regex MessageIdInPath();

    [GeneratedRegex("\"PartitionKey\":\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex PartitionInJson();

    // A transaction's answer is 202 whatever became of it; its changeset's answer says when it was refused (412, 409, 404).
    [GeneratedRegex(@"^HTTP/1\.1 4\d\d ", RegexOptions.Multiline)]
    private static partial Regex RefusedInBatch();

    [GeneratedRegex("<QueueMessage>")]
    private static partial Regex QueueMessage();
}
