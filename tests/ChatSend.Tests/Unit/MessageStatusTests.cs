using ChatSend.Messages;
using ChatSend.Send;

namespace ChatSend.Tests.Unit;

public class MessageStatusTests
{
    [Theory]
    [InlineData(MessageStatus.Queued, MessageStatus.Sent, true)]
    [InlineData(MessageStatus.Queued, MessageStatus.Delivered, true)] // receipts may overtake the provider's answer
    [InlineData(MessageStatus.Sent, MessageStatus.Delivered, true)]
    [InlineData(MessageStatus.Sent, MessageStatus.Read, true)]
    [InlineData(MessageStatus.Delivered, MessageStatus.Read, true)]
    [InlineData(MessageStatus.Read, MessageStatus.Played, true)]
    [InlineData(MessageStatus.Delivered, MessageStatus.Played, true)]
    [InlineData(MessageStatus.Scheduled, MessageStatus.Queued, true)]
    [InlineData(MessageStatus.Queued, MessageStatus.Failed, true)]
    [InlineData(MessageStatus.Sent, MessageStatus.Failed, true)] // a provider may report failure after accepting
    [InlineData(MessageStatus.Scheduled, MessageStatus.Canceled, true)]
    [InlineData(MessageStatus.Queued, MessageStatus.Canceled, true)]
    [InlineData(MessageStatus.Read, MessageStatus.Delivered, false)]
    [InlineData(MessageStatus.Delivered, MessageStatus.Sent, false)]
    [InlineData(MessageStatus.Sent, MessageStatus.Queued, false)]
    [InlineData(MessageStatus.Queued, MessageStatus.Scheduled, false)]
    [InlineData(MessageStatus.Sent, MessageStatus.Sent, false)]
    [InlineData(MessageStatus.Played, MessageStatus.Read, false)]
    [InlineData(MessageStatus.Delivered, MessageStatus.Failed, false)]
    [InlineData(MessageStatus.Read, MessageStatus.Failed, false)]
    [InlineData(MessageStatus.Sent, MessageStatus.Canceled, false)] // an attempt has started
    [InlineData(MessageStatus.Failed, MessageStatus.Sent, false)]
    [InlineData(MessageStatus.Failed, MessageStatus.Read, false)]
    [InlineData(MessageStatus.Canceled, MessageStatus.Queued, false)]
    [InlineData(MessageStatus.Failed, MessageStatus.Canceled, false)]
    public void StatusesOnlyMoveForward(MessageStatus from, MessageStatus to, bool allowed) =>
        Assert.Equal(allowed, MessageStatuses.CanMove(from, to));

    [Fact]
    public void EveryStatusHasItsMovesAndTheFinalOnesHaveNone()
    {
        Assert.Equal(Enum.GetValues<MessageStatus>().Order(), MessageStatuses.Moves.Keys.Order());
        Assert.All([MessageStatus.Played, MessageStatus.Failed, MessageStatus.Canceled], s => Assert.Empty(MessageStatuses.Moves[s]));
        Assert.All(MessageStatuses.Moves, m => Assert.DoesNotContain(m.Key, m.Value));
    }

    [Fact]
    public void PlayedIsOnlyForVoiceNotes()
    {
        var text = new MessageEntity { MessageType = MessageType.Text };
        text.Advance(MessageStatus.Queued, DateTimeOffset.UnixEpoch);
        Assert.False(text.Advance(MessageStatus.Played, DateTimeOffset.UnixEpoch));

        var voice = new MessageEntity { MessageType = MessageType.Ptt };
        voice.Advance(MessageStatus.Queued, DateTimeOffset.UnixEpoch);
        Assert.True(voice.Advance(MessageStatus.Played, DateTimeOffset.UnixEpoch));
        Assert.Equal("played", voice.Status);
    }

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
            [(MessageStatus.Queued, t0), (MessageStatus.Sent, t0.AddSeconds(1)), (MessageStatus.Read, t0.AddSeconds(3))],
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
    [InlineData("canceled", true)]
    [InlineData("1", false)]
    [InlineData("lost", false)]
    [InlineData(null, false)]
    public void WireNamesParse(string? wire, bool valid) => Assert.Equal(valid, MessageStatuses.TryParse(wire, out _));

    [Fact]
    public void StatusesGoOnTheWireByNameOnly()
    {
        Assert.Equal("\"played\"", System.Text.Json.JsonSerializer.Serialize(MessageStatus.Played));
        Assert.Equal(MessageStatus.Read, System.Text.Json.JsonSerializer.Deserialize<MessageStatus>("\"read\""));
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<MessageStatus>("4"));
    }
}
