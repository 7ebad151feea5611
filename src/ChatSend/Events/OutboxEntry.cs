using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;

namespace ChatSend.Events;

/// <summary>
/// One status change of a message still to be handed to the event sinks: a row in the message's partition, written in
/// the same transaction as the change and removed once every sink has the event. Its row key
/// (<see cref="MessageRowKeys.OutboxEntryOf"/>) makes a message's pending events read in status order, after every
/// message row and work marker. When <see cref="Due"/> passes with it still there, the sweeper queues the
/// message's events again.
/// </summary>
public sealed class OutboxEntry : IDueRow
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset Due { get; set; }
    public string Status { get; set; } = "";
    public DateTimeOffset At { get; set; }

    [IgnoreDataMember]
    public MessageId MessageId => new(PartitionKey, MessageRowKeys.MessageOfOutbox(RowKey));

    [IgnoreDataMember]
    public StatusChange Change => new(MessageStatuses.Parse(Status), At);

    public static OutboxEntry For(MessageId id, int position, StatusChange change, DateTimeOffset due) => new()
    {
        PartitionKey = id.Session,
        RowKey = MessageRowKeys.OutboxEntryOf(id, position),
        Due = due,
        Status = change.Status.ToWire(),
        At = change.At,
    };
}
