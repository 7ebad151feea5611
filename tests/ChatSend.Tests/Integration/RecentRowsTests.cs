using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Receipts;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// An instance writes the next change of a row it wrote moments ago under that write's ETag, without reading the row
/// again. Two TestServices over one Azurite stand for two instances: when the other one changed the row meanwhile, the
/// stale copy is never written over what it did.
/// </summary>
public sealed class RecentRowsTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _here = null!;
    private TestServices _elsewhere = null!;

    public Task InitializeAsync()
    {
        _here = new TestServices(azurite.ConnectionString, time: _clock);
        _elsewhere = new TestServices(azurite.ConnectionString, time: _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _here.DisposeAsync();
        await _elsewhere.DisposeAsync();
    }

    [Fact]
    public async Task AJobOnTheInstanceThatAcceptedTheMessageHonoursACancelMadeElsewhere()
    {
        var (session, key) = await _here.NewSessionAsync();
        var message = await _here.SendTextAsync(key, session.Id);

        await _elsewhere.Get<MessageStore>().UpdateAsync(message.MessageId, m =>
            m.Advance(MessageStatus.Canceled, _clock.GetUtcNow()) ? MarkerChange.Remove : null);
        await _here.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);

        Assert.Equal(0, _here.Get<ScriptedProvider>().CallsFor(message.Id));
        Assert.Equal(MessageStatus.Canceled, (await _elsewhere.Get<MessageStore>().FindAsync(message.MessageId))!.CurrentStatus);
    }

    [Fact]
    public async Task AReceiptOnTheInstanceThatSentIsNotWrittenOverAFurtherOneMadeElsewhere()
    {
        var (session, key) = await _here.NewSessionAsync();
        var message = await _here.SendTextAsync(key, session.Id);
        await _here.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);

        await _elsewhere.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Read));
        await _here.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Delivered));

        var row = (await _elsewhere.Get<MessageStore>().FindAsync(message.MessageId))!;
        Assert.Equal(MessageStatus.Read, row.CurrentStatus);
        Assert.Equal([MessageStatus.Queued, MessageStatus.Sent, MessageStatus.Read], row.GetHistory().Select(h => h.Status));
    }

    [Fact]
    public async Task TheInstanceThatSentAppliesItsReceiptsWithoutReadingTheRow()
    {
        var (session, key) = await _here.NewSessionAsync();
        var message = await _here.SendTextAsync(key, session.Id);
        var before = _here.Faults.Calls.Count;

        await _here.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        await _here.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Delivered));
        await _here.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Read));

        Assert.DoesNotContain(_here.Faults.Calls.Skip(before), c => c.StartsWith("GET messages(", StringComparison.Ordinal));
        Assert.Equal(MessageStatus.Read, (await _elsewhere.Get<MessageStore>().FindAsync(message.MessageId))!.CurrentStatus);
    }
}
