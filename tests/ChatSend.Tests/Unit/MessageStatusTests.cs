using ChatSend.Messages;

namespace ChatSend.Tests.Unit;

public class MessageStatusTests
{
    [Theory]
    [InlineData(MessageStatus.Queued, MessageStatus.Sent, true)]
    [InlineData(MessageStatus.Queued, MessageStatus.Delivered, true)] // receipts may overtake the provider's answer
    [InlineData(MessageStatus.Sent, MessageStatus.Delivered, true)]
    [InlineData(MessageStatus.Sent, MessageStatus.Read, true)]
    [InlineData(MessageStatus.Delivered, MessageStatus.Read, true)]
    [InlineData(MessageStatus.Queued, MessageStatus.Failed, true)]
    [InlineData(MessageStatus.Sent, MessageStatus.Failed, true)]
    [InlineData(MessageStatus.Read, MessageStatus.Delivered, false)]
    [InlineData(MessageStatus.Delivered, MessageStatus.Sent, false)]
    [InlineData(MessageStatus.Sent, MessageStatus.Queued, false)]
    [InlineData(MessageStatus.Sent, MessageStatus.Sent, false)]
    [InlineData(MessageStatus.Delivered, MessageStatus.Failed, false)]
    [InlineData(MessageStatus.Read, MessageStatus.Failed, false)]
    [InlineData(MessageStatus.Failed, MessageStatus.Sent, false)]
    [InlineData(MessageStatus.Failed, MessageStatus.Read, false)]
    public void StatusesOnlyMoveForward(MessageStatus from, MessageStatus to, bool allowed) =>
        Assert.Equal(allowed, MessageStatuses.CanMove(from, to));

    [Fact]
    public void AdvanceRecordsEachStatusWithItsTime()
    {
        var t0 = new DateTimeOffset(2026, 4, 15, 10, 0, 0, TimeSpan.Zero);
        var message = new MessageEntity();
        Assert.True(message.Advance(MessageStatus.Queued, t0));
        Assert.True(message.Advance(MessageStatus.Sent, t0.AddSeconds(1)));
        Assert.True(message.Advance(MessageStatus.Read, t0.AddSeconds(3)));
        Assert.False(message.Advance(MessageStatus.Delivered, t0.AddSeconds(4)));

        Assert.Equal("read", message.Status);
        Assert.Equal(
            [("queued", t0), ("sent", t0.AddSeconds(1)), ("read", t0.AddSeconds(3))],
            message.GetHistory().Select(h => (h.Status, h.At)));
    }

    [Fact]
    public void FailedKeepsItsReason()
    {
        var message = new MessageEntity();
        message.Advance(MessageStatus.Queued, DateTimeOffset.UnixEpoch);
        message.Advance(MessageStatus.Failed, DateTimeOffset.UnixEpoch, "recipient blocked");
        Assert.Equal(("failed", "recipient blocked"), (message.Status, message.FailureReason));
    }

    [Theory]
    [InlineData("queued", true)]
    [InlineData("READ", true)]
    [InlineData("1", false)]
    [InlineData("lost", false)]
    [InlineData(null, false)]
    public void WireNamesParse(string? wire, bool valid) => Assert.Equal(valid, MessageStatuses.TryParse(wire, out _));
}
