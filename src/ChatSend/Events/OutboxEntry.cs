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
/// A customer's <c>received</c> event is the one exception: its entry waits in its chat's order
/// (<see cref="MessageRowKeys.ChatOrderEntryOf"/>, with <see cref="Message"/> naming the message) until every earlier
/// message of the chat has had its event (<see cref="ChatOrder"/>).
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

    /// <summary>The message's row key, for an entry waiting in its chat's order; null for the others, whose row key holds it.</summary>
    public string? Message { get; set; }

    /// <summary>For an entry waiting in its chat's order: its <c>chatsequence</c>, once given (<see cref="ChatOrder"/>).</summary>
    public long? Sequence { get; set; }

    [IgnoreDataMember]
    public MessageId MessageId => new(PartitionKey, Message ?? MessageRowKeys.MessageOfOutbox(RowKey));

    /// <summary>The chat whose order this entry waits in, or null.</summary>
    [IgnoreDataMember]
    public string? OrderedChat => Message is null ? null : MessageRowKeys.ChatOfOrderEntry(RowKey);

    [IgnoreDataMember]
    public StatusChange Change => new(MessageStatuses.Parse(Status), At);

    public static OutboxEntry For(MessageId id, int position, StatusChange change, DateTimeOffset due) => new()
    {
        PartitionKey = id.PartitionKey,
        RowKey = MessageRowKeys.OutboxEntryOf(id, position),
        Due = due,
        Status = change.Status.ToWire(),
        At = change.At,
    };

    /// <summary>A customer's message's <c>received</c> event, waiting in its chat's order.</summary>
    public static OutboxEntry InChatOrder(MessageEntity message, StatusChange received, DateTimeOffset recordedAt, DateTimeOffset due) => new()
    {
        PartitionKey = message.PartitionKey,
        RowKey = MessageRowKeys.ChatOrderEntryOf(message.Chat!, received.At, recordedAt),
        Due = due,
        Status = received.Status.ToWire(),
        At = received.At,
        Message = message.RowKey,
    };
}
