using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;

namespace ChatSend.Chats;

/// <summary>
/// One chat of a session: a row in the session's partition that holds the chat (<see cref="MessageRowKeys.ChatRecordOf"/>,
/// <see cref="MessagePartitions"/>). For the 24-hour
/// window it is written with each customer's message that is newer than the one it holds, in that message's own
/// transaction, and when the provider says the window is closed (WhatsApp's 131047). For the order of the session's
/// sends to the chat (<see cref="Delivery.ChatLines"/>) it counts the numbers given out and the turns that passed, written
/// in the transactions that accept a send and that end the send whose turn it is. Every write is under its ETag.
/// </summary>
public sealed class ChatRecord : ITableEntity
{
    /// <summary>How long after a customer's message a business may answer free-form (WhatsApp's customer-service window).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>When the customer last wrote, as the provider timed it.</summary>
    public DateTimeOffset? LastInboundAt { get; set; }

    /// <summary>When the provider last refused a free-form message as outside the window (131047).</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>How many of the session's sends to the chat took a number in its line: the last number given.</summary>
    public long OutboundTaken { get; set; }

    /// <summary>The last number whose turn has passed (sent, or ended); the send numbered one more holds the turn.</summary>
    public long OutboundPassed { get; set; }

    /// <summary>Sends waiting in the chat's line, the one whose turn it is included.</summary>
    [IgnoreDataMember]
    public long OutboundWaiting => OutboundTaken - OutboundPassed;

    /// <summary>Until when free-form messages may be sent, or null when the window is closed (or never opened).</summary>
    [IgnoreDataMember]
    public DateTimeOffset? WindowOpenUntil =>
        LastInboundAt is { } last && (ClosedAt is not { } closed || closed < last) ? last + Window : null;

    public bool IsOpenAt(DateTimeOffset at) => WindowOpenUntil > at;

    /// <summary>When the window closed or closes: 24 hours after the customer's last message, or when the provider closed it; null if never open.</summary>
    [IgnoreDataMember]
    public DateTimeOffset? ClosesAt => WindowOpenUntil ?? (LastInboundAt is { } last ? ClosedAt < last + Window ? ClosedAt : last + Window : null);

    public static ChatRecord For(string partition, string chat) => new() { PartitionKey = partition, RowKey = MessageRowKeys.ChatRecordOf(chat) };

    public ChatRecord Copy() => (ChatRecord)MemberwiseClone();
}
