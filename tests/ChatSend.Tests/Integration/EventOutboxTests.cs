using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Receipts;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// Every status a message reaches becomes one event, recorded with the status change, handed on at least once and in
/// status order, and never lost when a process dies or a destination is down.
/// </summary>
public sealed class EventOutboxTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly RecordingSink _sink = new();
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock,
            services: s => s.AddSingleton<IEventSink>(_sink));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task EveryStatusAMessageReachesIsOneEventInStatusOrder()
    {
        var (message, _) = await FollowedMessageAsync();
        await DeliverAsync(message);
        await _services.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Delivered));
        await _services.Get<ReceiptHandler>().ApplyAsync(new Receipt(message.MessageId, MessageStatus.Read));
        await DispatchQueuedAsync();

        var events = _sink.For(message.Id);
        Assert.Equal(["queued", "sent", "delivered", "read"], events.Select(e => e.Type[MessageEvents.TypePrefix.Length..]));
        Assert.Equal(events.Select(e => $"{message.Id}:{e.Type[MessageEvents.TypePrefix.Length..]}"), events.Select(e => e.Id));
        var row = (await _services.Get<MessageStore>().FindAsync(message.MessageId))!;
        Assert.Equal(row.GetHistory().Select(h => h.At), events.Select(e => e.Time!.Value));
        Assert.All(events, e => Assert.Equal("/sessions/" + message.PartitionKey, e.Source));
        var data = RecordingSink.Data(events[^1]);
        Assert.Equal("read", (string?)data["status"]);
        Assert.Equal(4, data["statusHistory"]!.AsArray().Count);
        Assert.Equal(0, await OutboxEntriesAsync(message));
    }

    [Fact]
    public async Task ASessionNobodyFollowsWritesNoEventsAndSendsWithTwoStorageCalls()
    {
        var (session, key) = await _services.NewSessionAsync();
        // The key and the session are read once, then cached; the chat's record too, once the first has passed its turn on.
        await DeliverAsync(await _services.SendTextAsync(key, session.Id));
        var before = _services.Faults.Calls.Count;
        var message = await _services.SendTextAsync(key, session.Id);
        var sendCalls = _services.Faults.Calls.Skip(before).Take(2).ToList();
        await DeliverAsync(message);

        Assert.Equal(0, await OutboxEntriesAsync(message));
        Assert.DoesNotContain(_services.Faults.Calls, c => QueueCalls.Unsharded(c).Contains("events/messages"));
        Assert.Equal(["POST $batch", "POST deliveries/messages"], sendCalls.Select(QueueCalls.Unsharded));
    }

    [Fact]
    public async Task AnEventWhoseJobCouldNotBeQueuedIsHandedOnByTheSweeperOnceDue()
    {
        var (session, key) = await _services.NewSessionAsync();
        _sink.Follow(session.Id);
        RefuseEventsJob();
        var message = await _services.SendTextAsync(key, session.Id);
        await DispatchQueuedAsync();
        Assert.Empty(_sink.For(message.Id));

        await SweepAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(_sink.For(message.Id)); // not due yet
        await SweepAsync(TimeSpan.FromSeconds(31));

        Assert.Equal([message.Id + ":queued"], _sink.For(message.Id).Select(e => e.Id));
    }

    [Fact]
    public async Task AWorkerThatDiesRightAfterRecordingSentLosesNoEvent()
    {
        var (message, _) = await FollowedMessageAsync();
        await DispatchQueuedAsync();
        // After the claim's (with its marker: the message keeps its chat's order), the write of sent (with its marker
        // removal and event) lands, then the worker is gone.
        _services.Faults.Next(Fault.Die, 1, "POST $batch");
        await Assert.ThrowsAsync<WorkerDied>(() => DeliverAsync(message));
        Assert.Equal(MessageStatus.Sent, (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.CurrentStatus);
        await DispatchQueuedAsync();
        Assert.DoesNotContain(_sink.For(message.Id), e => e.Id == message.Id + ":sent");

        await SweepAsync(TimeSpan.FromSeconds(61));

        Assert.Equal([message.Id + ":queued", message.Id + ":sent"], _sink.For(message.Id).Select(e => e.Id));
    }

    [Fact]
    public async Task ADestinationThatIsDownGetsTheSameEventsLaterWhileOthersAreNotHeldBack()
    {
        var healthy = new RecordingSink();
        await using var services = new TestServices(azurite.ConnectionString, time: _clock,
            services: s => s.AddSingleton<IEventSink>(_sink).AddSingleton<IEventSink>(healthy));
        var (session, key) = await services.NewSessionAsync();
        _sink.Follow(session.Id);
        healthy.Follow(session.Id);
        _sink.FailNext(1);
        var message = await services.SendTextAsync(key, session.Id);

        await DispatchQueuedAsync(services);
        Assert.Empty(_sink.For(message.Id));
        Assert.Equal([message.Id + ":queued"], healthy.For(message.Id).Select(e => e.Id));
        _clock.Advance(TimeSpan.FromSeconds(61));
        await services.Get<Sweeper>().RunAsync();
        await DispatchQueuedAsync(services);

        Assert.Equal([message.Id + ":queued"], _sink.For(message.Id).Select(e => e.Id));
        // The healthy destination had it at once, and again with the same id on the retry: receivers dedupe on it.
        Assert.Equal([message.Id + ":queued", message.Id + ":queued"], healthy.For(message.Id).Select(e => e.Id));
        Assert.Equal(0, await OutboxEntriesAsync(message));
    }

    [Fact]
    public async Task ARepeatedEventsJobHandsNothingOnTwice()
    {
        var (message, _) = await FollowedMessageAsync();
        var dispatcher = _services.Get<EventDispatcher>();
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => dispatcher.HandleAsync(new EventJob(message.MessageId), CancellationToken.None)));
        await DispatchQueuedAsync();

        Assert.Single(_sink.For(message.Id));
    }

    [Fact]
    public async Task TheEventsOfAMessageThatWasTakenBackAreDropped()
    {
        var (session, key) = await _services.NewSessionAsync();
        _sink.Follow(session.Id);
        RefuseEventsJob();
        var message = await _services.SendTextAsync(key, session.Id);
        await _services.Get<MessageStore>().RemoveAsync(message); // as a /send answered 503 removes what it wrote

        await SweepAsync(TimeSpan.FromSeconds(61));

        Assert.Empty(_sink.For(message.Id));
        Assert.Equal(0, await OutboxEntriesAsync(message));
    }

    [Fact]
    public async Task AScheduledMessageAndAMessageThatIsGivenUpOnHaveTheirEventsToo()
    {
        var (session, key) = await _services.NewSessionAsync();
        _sink.Follow(session.Id);
        var sendAt = MessageView.FormatTime(_clock.GetUtcNow().AddHours(1));
        var (status, view, _) = await _services.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"later","sendAt":"{{sendAt}}"}""");
        Assert.Equal(202, status);
        MessageId.TryParse(view!.Id, out var scheduled);
        var failed = await _services.SendTextAsync(key, session.Id, to: "+12025550124"); // another chat: not ahead of the scheduled one

        _clock.Advance(TimeSpan.FromHours(1));
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(scheduled), CancellationToken.None);
        await _services.Get<DeliveryFailedHandler>().HandleAsync(new DeliveryJob(failed.MessageId), CancellationToken.None);
        await DispatchQueuedAsync();

        Assert.Equal([$"{view.Id}:scheduled", $"{view.Id}:queued", $"{view.Id}:sent"], _sink.For(view.Id).Select(e => e.Id));
        Assert.Equal([$"{failed.Id}:queued", $"{failed.Id}:failed"], _sink.For(failed.Id).Select(e => e.Id));
        Assert.Equal(DeliveryFailedHandler.Reason, (string?)RecordingSink.Data(_sink.For(failed.Id)[^1])["failureReason"]);
    }

    private void RefuseEventsJob()
    {
        for (var tries = 0; tries < 3; tries++) // the storage client's first try and its two retries
            _services.Faults.Next(Fault.Refuse, QueueCalls.Put(StorageNames.EventsQueue));
    }

    private async Task<(MessageEntity Message, string Key)> FollowedMessageAsync()
    {
        var (session, key) = await _services.NewSessionAsync();
        _sink.Follow(session.Id);
        return (await _services.SendTextAsync(key, session.Id), key);
    }

    private Task DeliverAsync(MessageEntity message) =>
        _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);

    private async Task SweepAsync(TimeSpan after)
    {
        _clock.Advance(after);
        await _services.Get<Sweeper>().RunAsync();
        await DispatchQueuedAsync();
    }

    /// <summary>Runs every job on the events queue's shards through the dispatcher, as the queue triggers would.</summary>
    private Task DispatchQueuedAsync() => DispatchQueuedAsync(_services);

    private Task DispatchQueuedAsync(TestServices services) =>
        azurite.Jobs(StorageNames.EventsQueue).RunAllAsync(job => services.Get<EventDispatcher>().HandleAsync(job, CancellationToken.None));

    private async Task<int> OutboxEntriesAsync(MessageEntity message)
    {
        var table = azurite.Clients.Table(StorageNames.MessagesTable);
        return await table.QueryAsync<TableEntity>(MessageRowKeys.OutboxOf(message.MessageId).Filter(message.PartitionKey)).CountAsync();
    }
}
