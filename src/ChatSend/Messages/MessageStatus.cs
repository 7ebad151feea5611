using System.Collections.Frozen;
using System.Text.Json.Serialization;

namespace ChatSend.Messages;

/// <summary>Where a message stands. The wire names are the contract's; the legal moves are <see cref="MessageStatuses.Moves"/>.</summary>
[JsonConverter(typeof(WireNameJsonConverter<MessageStatus>))]
public enum MessageStatus
{
    [JsonStringEnumMemberName("scheduled")] Scheduled,
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("sent")] Sent,
    [JsonStringEnumMemberName("delivered")] Delivered,
    [JsonStringEnumMemberName("read")] Read,
    [JsonStringEnumMemberName("played")] Played,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("canceled")] Canceled,

    /// <summary>A customer's message ChatSend recorded (inbound); <c>read</c> once the session marks it read.</summary>
    [JsonStringEnumMemberName("received")] Received,
}

public static class MessageStatuses
{
    /// <summary>
    /// Every legal move, per the contract: <c>scheduled → queued → sent → delivered → read → played</c>, where a step
    /// may be skipped (receipts overtake each other) but never taken back. <c>failed</c> is possible until the message
    /// is delivered (a provider may report failure after <c>sent</c>); <c>canceled</c> only before delivery starts.
    /// Nothing leaves <c>played</c>, <c>failed</c> or <c>canceled</c>. A customer's message starts <c>received</c> and may
    /// only become <c>read</c>.
    /// </summary>
    public static IReadOnlyDictionary<MessageStatus, IReadOnlySet<MessageStatus>> Moves { get; } =
        new Dictionary<MessageStatus, IReadOnlySet<MessageStatus>>
        {
            [MessageStatus.Scheduled] = Set(MessageStatus.Queued, MessageStatus.Sent, MessageStatus.Delivered, MessageStatus.Read,
                MessageStatus.Played, MessageStatus.Failed, MessageStatus.Canceled),
            [MessageStatus.Queued] = Set(MessageStatus.Sent, MessageStatus.Delivered, MessageStatus.Read, MessageStatus.Played,
                MessageStatus.Failed, MessageStatus.Canceled),
            [MessageStatus.Sent] = Set(MessageStatus.Delivered, MessageStatus.Read, MessageStatus.Played, MessageStatus.Failed),
            [MessageStatus.Delivered] = Set(MessageStatus.Read, MessageStatus.Played),
            [MessageStatus.Read] = Set(MessageStatus.Played),
            [MessageStatus.Played] = Set(),
            [MessageStatus.Failed] = Set(),
            [MessageStatus.Canceled] = Set(),
            [MessageStatus.Received] = Set(MessageStatus.Read),
        }.ToFrozenDictionary();

    public static string ToWire(this MessageStatus status) => WireNames<MessageStatus>.Of(status);

    public static bool TryParse(string? wire, out MessageStatus status) => WireNames<MessageStatus>.TryParse(wire, out status);

    public static MessageStatus Parse(string wire) => WireNames<MessageStatus>.Parse(wire);

    public static bool CanMove(MessageStatus from, MessageStatus to) => Moves[from].Contains(to);

    /// <summary>A status a provider's receipt may report; the others are ChatSend's own.</summary>
    public static bool IsReceipt(this MessageStatus status) =>
        status is MessageStatus.Delivered or MessageStatus.Read or MessageStatus.Played or MessageStatus.Failed or MessageStatus.Sent;

    private static IReadOnlySet<MessageStatus> Set(params MessageStatus[] statuses) => statuses.ToFrozenSet();
}
