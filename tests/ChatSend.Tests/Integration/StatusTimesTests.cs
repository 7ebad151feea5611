using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Receipts;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>Every time a client sees (accepted, each status step) comes from the app's clock, read when the step happens.</summary>
public sealed class StatusTimesTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 4, 15, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task TheTimestampAndEachStatusStepCarryTheTimeTheyHappened()
    {
        var (session, key) = await _services.NewSessionAsync();
        var (status, view, _) = await _services.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hi"}""");
        Assert.Equal((202, "2026-04-15T10:00:00.000Z"), (status, view!.Timestamp));
        var id = MessageId.Parse(view.Id);

        _clock.Advance(TimeSpan.FromSeconds(3.25));
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(4));
        await _services.Get<ReceiptHandler>().ApplyAsync(new Receipt(id, MessageStatus.Read));

        var row = await _services.Get<MessageStore>().FindAsync(id);
        Assert.Equal(
            [(MessageStatus.Queued, Start), (MessageStatus.Sent, Start.AddSeconds(3.25)), (MessageStatus.Read, Start.AddSeconds(7.25))],
            row!.GetHistory().Select(h => (h.Status, h.At)));
        Assert.Equal("2026-04-15T10:00:07.250Z", MessageView.From(row, withHistory: true).StatusHistory![^1].At);
    }

    [Fact]
    public async Task AReceiptsOwnTimeWinsOverTheClock()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        var reported = Start.AddMinutes(-1);

        await _services.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Delivered, At: reported));

        var row = await _services.Get<MessageStore>().FindAsync(message.MessageId);
        Assert.Equal((MessageStatus.Delivered, reported), (row!.GetHistory()[^1].Status, row.GetHistory()[^1].At));
    }
}
