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
    private readonly TwoInstances _instances = new(azurite);
    private FakeTimeProvider Clock => _instances.Clock;
    private TestServices Here => _instances.Here;
    private TestServices Elsewhere => _instances.Elsewhere;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _instances.DisposeAsync();

    [Fact]
    public async Task AJobOnTheInstanceThatAcceptedTheMessageHonoursACancelMadeElsewhere()
    {
        var (session, key) = await Here.NewSessionAsync();
        var message = await Here.SendTextAsync(key, session.Id);

        await Elsewhere.Get<MessageStore>().UpdateAsync(message.MessageId, m =>
            m.Advance(MessageStatus.Canceled, Clock.GetUtcNow()) ? MarkerChange.Remove : null);
        await Here.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);

        Assert.Equal(0, Here.Get<ScriptedProvider>().CallsFor(message.Id));
        Assert.Equal(MessageStatus.Canceled, (await Elsewhere.Get<MessageStore>().FindAsync(message.MessageId))!.CurrentStatus);
    }

    [Fact]
    public async Task AReceiptOnTheInstanceThatSentIsNotWrittenOverAFurtherOneMadeElsewhere()
    {
        var (session, key) = await Here.NewSessionAsync();
        var message = await Here.SendTextAsync(key, session.Id);
        await Here.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);

        await Elsewhere.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Read));
        await Here.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Delivered));

        var row = (await Elsewhere.Get<MessageStore>().FindAsync(message.MessageId))!;
        Assert.Equal(MessageStatus.Read, row.CurrentStatus);
        Assert.Equal([MessageStatus.Queued, MessageStatus.Sent, MessageStatus.Read], row.GetHistory().Select(h => h.Status));
    }

    [Fact]
    public async Task TheInstanceThatSentAppliesItsReceiptsWithoutReadingTheRow()
    {
        var (session, key) = await Here.NewSessionAsync();
        var message = await Here.SendTextAsync(key, session.Id);
        var before = Here.Faults.Calls.Count;

        await Here.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        await Here.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Delivered));
        await Here.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Read));

        Assert.DoesNotContain(Here.Faults.Calls.Skip(before), c => c.StartsWith("GET messages(", StringComparison.Ordinal));
        Assert.Equal(MessageStatus.Read, (await Elsewhere.Get<MessageStore>().FindAsync(message.MessageId))!.CurrentStatus);
    }
}
