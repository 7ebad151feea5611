using ChatSend.Delivery;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Receipts;
using ChatSend.Send;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>The sweeper gives every message with work ahead a way forward, once, and removes media no message points at.</summary>
public sealed class SweeperTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
        await azurite.Jobs(StorageNames.ReceiptsQueue).ClearAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<List<MessageId>> JobsAsync()
    {
        var messages = await azurite.Jobs(StorageNames.DeliveriesQueue).PeekAsync();
        return messages.Select(m => QueueMessages.TryRead<DeliveryJob>(m.Body.ToString(), out var job) ? job.Id : default).ToList();
    }

    [Fact]
    public async Task AMarkerIsSweptOnlyOnceItIsDueAndOnlyByOneOfManySweepers()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync(); // as if its job was lost

        // Other tests' messages share this storage, so count only this one's jobs.
        await _services.Get<Sweeper>().RunAsync();
        Assert.DoesNotContain(message.MessageId, await JobsAsync()); // not due yet
        _clock.Advance(TimeSpan.FromSeconds(61));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _services.Get<Sweeper>().RunAsync()));

        Assert.Single(await JobsAsync(), message.MessageId);
        await _services.Get<Sweeper>().RunAsync();
        Assert.Single(await JobsAsync(), message.MessageId); // postponed by the one that took it
    }

    [Fact]
    public async Task AMessageThatIsSentHasNoMarkerLeftToSweep()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();

        _clock.Advance(TimeSpan.FromHours(1));
        await _services.Get<Sweeper>().RunAsync();
        Assert.DoesNotContain(message.MessageId, await JobsAsync());
        Assert.False((await _services.Get<MessageStore>().FindAsync(message.MessageId))!.HasMarker);
    }

    [Fact]
    public async Task MediaWithoutAMessageIsRemovedOnlyAfterAnHour()
    {
        var media = azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);
        var (session, key) = await _services.NewSessionAsync();
        var orphan = MessageId.New(session.Id, _clock.GetUtcNow()); // staged, then its request died
        var kept = (await _services.SendTextAsync(key, session.Id)).MessageId; // staged under a message that exists
        await StageAsync(orphan);
        await StageAsync(kept);

        await _services.Get<Sweeper>().RunAsync();
        Assert.True((await media.GetBlobClient(orphan.Value).ExistsAsync()).Value); // not an hour old yet
        _clock.Advance(TimeSpan.FromMinutes(61));
        await _services.Get<Sweeper>().RunAsync();

        Assert.False((await media.GetBlobClient(orphan.Value).ExistsAsync()).Value);
        Assert.True((await media.GetBlobClient(kept.Value).ExistsAsync()).Value);
    }

    private Task StageAsync(MessageId id) => _services.Get<MediaStager>().StageAsync(
        new MediaFile(new MemoryStream("staged"u8.ToArray()), "documentUrl") { MimeType = "text/plain" },
        MessageType.Document, id, MediaStager.BlobNameFor(id), CancellationToken.None);

    [Fact]
    public async Task AReceiptWhoseFollowerCannotBeQueuedIsRetriedAndTheFollowerStillComes()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        var delivered = QueueMessages.Serialize(new Receipt(message.MessageId, MessageStatus.Delivered, Next: MessageStatus.Read));
        var receipts = _services.Get<ReceiptHandler>();
        for (var i = 0; i < 3; i++)
            _services.Faults.Next(Fault.Refuse, QueueCalls.Put(StorageNames.ReceiptsQueue));

        await Assert.ThrowsAnyAsync<Exception>(() => receipts.HandleAsync(delivered, CancellationToken.None));
        Assert.Equal("delivered", (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.Status);
        await receipts.HandleAsync(delivered, CancellationToken.None); // the queue hands it out again

        var next = Assert.Single(await azurite.Jobs(StorageNames.ReceiptsQueue).ReceiveAsync());
        await receipts.HandleAsync(next.Body.ToString(), CancellationToken.None);
        var row = await _services.Get<MessageStore>().FindAsync(message.MessageId);
        Assert.Equal([MessageStatus.Queued, MessageStatus.Delivered, MessageStatus.Read], row!.GetHistory().Select(h => h.Status));
    }
}
