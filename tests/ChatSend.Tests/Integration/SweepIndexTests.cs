using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Http;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// The sweeper finds due work through its index of sessions by minute, and through its hourly full pass when a hint was
/// lost; a hint costs one write per session and minute, not one per message.
/// </summary>
public sealed class SweepIndexTests(Azurite azurite, MediaServer media) : IClassFixture<Azurite>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private static int s_tests;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32" }, _clock);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
        // Each test's clock runs days after the one before it, so this sweep is a full pass (it also settles the hints an
        // earlier test left) and the next is an hour away. Tests leave no work due behind them.
        _clock.Advance(TimeSpan.FromDays(2 * Interlocked.Increment(ref s_tests)));
        Assert.True((await Sweeper.RunAsync()).FullPass);
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private Sweeper Sweeper => _services.Get<Sweeper>();

    private async Task<List<MessageId>> JobsAsync()
    {
        var messages = await azurite.Jobs(StorageNames.DeliveriesQueue).PeekAsync();
        return messages.Select(m => QueueMessages.TryRead<DeliveryJob>(m.Body.ToString(), out var job) ? job.Id : default).ToList();
    }

    private int HintWrites => _services.Faults.Calls.Count(c => c.StartsWith("PUT " + StorageNames.SweepIndexTable + "(", StringComparison.Ordinal));

    [Fact]
    public async Task ALostJobIsFoundThroughTheIndexVisitingOnlyItsSession()
    {
        for (var i = 0; i < 5; i++)
            await _services.NewSessionAsync(); // idle sessions the sweep need not read
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync(); // as if its job was lost

        _clock.Advance(TimeSpan.FromSeconds(61));
        var swept = await Sweeper.RunAsync();

        Assert.Equal((1, 1, false), (swept.Requeued, swept.Partitions, swept.FullPass));
        Assert.Single(await JobsAsync(), message.MessageId);
        await SentAsync(message.MessageId);
    }

    [Fact]
    public async Task ASessionsMessagesInOneMinuteWriteOneHint()
    {
        var (session, key) = await _services.NewSessionAsync();
        var before = HintWrites;

        var sent = new List<MessageId>();
        for (var i = 0; i < 5; i++)
            sent.Add((await _services.SendTextAsync(key, session.Id)).MessageId);

        Assert.Equal(1, HintWrites - before); // every marker falls due in the same minute
        foreach (var id in sent)
            await SentAsync(id);
    }

    [Fact]
    public async Task WorkWhoseHintCouldNotBeWrittenIsFoundByTheFullPassWithinTheHour()
    {
        var (session, key) = await _services.NewSessionAsync();
        for (var i = 0; i < 3; i++) // the first try and the storage client's two retries
            _services.Faults.Next(Fault.Refuse, "PUT " + StorageNames.SweepIndexTable + "(");
        var message = await _services.SendTextAsync(key, session.Id); // accepted all the same: the marker is the truth
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
        Assert.Contains(_services.Logs.Lines, l => l.Contains("could not be written", StringComparison.Ordinal));

        _clock.Advance(TimeSpan.FromMinutes(2));
        var indexed = await Sweeper.RunAsync();
        Assert.Equal((0, false), (indexed.Requeued, indexed.FullPass));
        Assert.DoesNotContain(message.MessageId, await JobsAsync());

        _clock.Advance(TimeSpan.FromMinutes(58)); // an hour after the last full pass, four sweepers at once
        var sweeps = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Sweeper.RunAsync()));

        Assert.Single(sweeps, s => s.FullPass);
        Assert.Equal(1, sweeps.Sum(s => s.Requeued));
        Assert.Single(await JobsAsync(), message.MessageId);
        await SentAsync(message.MessageId);
    }

    [Fact]
    public async Task InASessionOfFourPartitionsTheHintNamesThePartitionWithTheDueRowAndOnlyItIsRead()
    {
        var (session, key) = await _services.NewSessionAsync(partitions: 4);
        var message = await _services.SendTextAsync(key, session.Id, TestSessions.RecipientIn(2, 4));
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync(); // as if its job was lost
        var hints = await azurite.Clients.Table(StorageNames.SweepIndexTable)
            .QueryAsync<TableEntity>(e => e.RowKey.CompareTo("d:" + session.Id) >= 0 && e.RowKey.CompareTo("d:" + session.Id + "~~") < 0).ToListAsync();

        _clock.Advance(TimeSpan.FromSeconds(61));
        var swept = await Sweeper.RunAsync();

        Assert.Equal([$"d:{session.Id}~2"], hints.Select(h => h.RowKey).Distinct());
        Assert.Equal((1, 1, false), (swept.Requeued, swept.Partitions, swept.FullPass));
        Assert.Single(await JobsAsync(), message.MessageId);
        await SentAsync(message.MessageId);
    }

    [Fact]
    public async Task TheFullPassReadsEveryPartitionOfEverySessionAndFindsWorkInTheLast()
    {
        var (session, key) = await _services.NewSessionAsync(partitions: 4);
        for (var i = 0; i < 3; i++) // the hint's first try and the storage client's two retries
            _services.Faults.Next(Fault.Refuse, "PUT " + StorageNames.SweepIndexTable + "(");
        var message = await _services.SendTextAsync(key, session.Id, TestSessions.RecipientIn(3, 4));
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();

        _clock.Advance(TimeSpan.FromHours(1));
        var swept = await Sweeper.RunAsync();

        var partitions = (await _services.Get<SessionStore>().ListAsync().ToListAsync()).Sum(s => s.Partitions);
        Assert.Equal((true, 1, partitions), (swept.FullPass, swept.Requeued, swept.Partitions));
        Assert.Single(await JobsAsync(), message.MessageId);
        await SentAsync(message.MessageId);
    }

    [Fact]
    public async Task OnlyOneOfManySweepersTakesTheFullPass()
    {
        _clock.Advance(TimeSpan.FromHours(1));

        var sweeps = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Sweeper.RunAsync()));

        Assert.Single(sweeps, s => s.FullPass);
    }

    [Fact]
    public async Task ACanceledMessagesFileWhoseDeleteFailedIsRemovedAfterAnHour()
    {
        var (session, key) = await _services.NewSessionAsync();
        var (status, view, _) = await _services.SendAsync(key,
            $$"""{"session":"{{session.Id}}","to":"+12025550123","imageUrl":"{{media.Url("/file/png/2000")}}","sendAt":"{{_clock.GetUtcNow().AddHours(3):O}}"}""");
        Assert.Equal(202, status);
        var id = MessageId.Parse(view!.Id);
        var blob = azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer)
            .GetBlobClient((await _services.Get<MessageStore>().FindAsync(id))!.MediaBlob);
        for (var i = 0; i < 3; i++)
            _services.Faults.Next(Fault.Refuse, "DELETE media/");

        Assert.Equal(503, await CancelAsync(key, id));
        Assert.Equal(MessageStatus.Canceled, (await _services.Get<MessageStore>().FindAsync(id))!.CurrentStatus);
        Assert.True((await blob.ExistsAsync()).Value);
        _clock.Advance(TimeSpan.FromMinutes(62));
        await Sweeper.RunAsync();

        Assert.False((await blob.ExistsAsync()).Value);
    }

    private Task SentAsync(MessageId id) => _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);

    // DELETE /messages/{id} through the gate both hosts put in front of it, and the real handler.
    private async Task<int> CancelAsync(string key, MessageId id)
    {
        var context = new DefaultHttpContext { RequestServices = _services.Provider };
        context.Request.Method = HttpMethods.Delete;
        context.Request.Headers.Authorization = "Bearer " + key;
        var result = await _services.Get<ApiGate>().InvokeAsync(context, ApiEndpoints.Find(ApiEndpoints.CancelMessage)!,
            async () => (await _services.Get<CancelMessageHandler>().HandleAsync(context.Request, id.Value, CancellationToken.None)).Result);
        return (result as IStatusCodeHttpResult)?.StatusCode ?? 0;
    }
}

/// <summary>An idle sweep is one read of the index, with one session or with many sessions and many stored files.</summary>
public sealed class IdleSweepTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<List<string>> IdleSweepAsync()
    {
        _clock.Advance(TimeSpan.FromMinutes(1));
        var before = _services.Faults.Calls.Count;
        var swept = await _services.Get<Sweeper>().RunAsync();
        Assert.Equal(new SweepResult(0, 0), swept);
        return _services.Faults.Calls.Skip(before).ToList();
    }

    [Fact]
    public async Task AnIdleSweepIsOneReadHoweverManySessionsAndStoredFilesThereAre()
    {
        var sweeper = _services.Get<Sweeper>();
        var (first, firstKey) = await _services.NewSessionAsync();
        await SentAsync(firstKey, first.Id);
        _clock.Advance(TimeSpan.FromDays(1));
        await sweeper.RunAsync(); // the first full pass; the hints of the send are settled
        var few = await IdleSweepAsync();

        // 40 sessions with a message sent each, 20 of them with 5 more, each with a staged file: a day later their hints are
        // settled by one sweep, and none of it is read again.
        var stager = _services.Get<MediaStager>();
        for (var s = 0; s < 40; s++)
        {
            var (session, key) = await _services.NewSessionAsync();
            await SentAsync(key, session.Id);
            for (var f = 0; f < (s < 20 ? 5 : 0); f++)
            {
                var sent = await SentAsync(key, session.Id);
                await stager.StageAsync(new MediaFile(new MemoryStream("staged"u8.ToArray()), "documentUrl") { MimeType = "text/plain" },
                    MessageType.Document, sent, MediaStager.BlobNameFor(sent), CancellationToken.None);
            }
        }
        _clock.Advance(TimeSpan.FromDays(1));
        var settling = await sweeper.RunAsync();
        var many = await IdleSweepAsync();

        Assert.True(settling.FullPass);
        Assert.Equal(["GET " + StorageNames.SweepIndexTable + "()"], many);
        Assert.Equal(few, many);
    }

    private async Task<MessageId> SentAsync(string key, string session)
    {
        var message = await _services.SendTextAsync(key, session);
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        return message.MessageId;
    }
}
