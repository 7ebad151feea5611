using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;

namespace ChatSend.Events;

/// <summary>
/// One status change of a message still to be handed to the event sinks: a row in the message's partition, written in
/// the same transaction as the change and removed once every sink has the event. Its row key is
/// <c>~~&lt;message row key&gt;:&lt;position in the history&gt;</c>, so a message's pending events read in status order and sort
/// after every message row and work marker. When <see cref="Due"/> passes with it still there, the sweeper queues the
/// message's events again.
/// </summary>
public sealed class OutboxEntry : IDueRow
{
    public const string Prefix = WorkMarker.Prefix + WorkMarker.Prefix;

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset Due { get; set; }
    public string Status { get; set; } = "";
    public DateTimeOffset At { get; set; }

    [IgnoreDataMember]
    public MessageId MessageId => new(PartitionKey, RowKey[Prefix.Length..RowKey.LastIndexOf(':')]);

    [IgnoreDataMember]
    public StatusChange Change => new(MessageStatuses.Parse(Status), At);

    public static OutboxEntry For(MessageId id, int position, StatusChange change, DateTimeOffset due) => new()
    {
        PartitionKey = id.Session,
        RowKey = $"{Prefix}{id.RowKey}:{position:D2}",
        Due = due,
        Status = change.Status.ToWire(),
        At = change.At,
    };

    /// <summary>The row keys of one message's entries: from (inclusive) to (exclusive); ';' follows ':'.</summary>
    public static (string From, string To) RangeOf(MessageId id) => ($"{Prefix}{id.RowKey}:", $"{Prefix}{id.RowKey};");
}
