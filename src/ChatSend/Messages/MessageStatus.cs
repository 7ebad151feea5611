namespace ChatSend.Messages;

public enum MessageStatus
{
    Queued,
    Sent,
    Delivered,
    Read,
    Failed,
}

public static class MessageStatuses
{
    public static string ToWire(this MessageStatus status) => status switch
    {
        MessageStatus.Queued => "queued",
        MessageStatus.Sent => "sent",
        MessageStatus.Delivered => "delivered",
        MessageStatus.Read => "read",
        MessageStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? wire, out MessageStatus status)
    {
        status = default;
        return wire is not null
            && Enum.TryParse(wire, ignoreCase: true, out status)
            && Enum.IsDefined(status)
            && !wire.Any(char.IsDigit);
    }

    /// <summary>
    /// Statuses only move forward: queued → sent → delivered → read, and a step may be skipped when receipts
    /// arrive out of order. <c>failed</c> ends a message that was not yet delivered. Nothing follows <c>read</c>
    /// or <c>failed</c>, so a late <c>delivered</c> never overwrites <c>read</c>.
    /// </summary>
    public static bool CanMove(MessageStatus from, MessageStatus to) => (from, to) switch
    {
        (MessageStatus.Read or MessageStatus.Failed, _) => false,
        (_, MessageStatus.Failed) => from is MessageStatus.Queued or MessageStatus.Sent,
        _ => to > from,
    };
}
