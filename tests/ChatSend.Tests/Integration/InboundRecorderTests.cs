using ChatSend.Events;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// A customer's message is recorded exactly once, with exactly one <c>received</c> event, whatever happens to the callback
/// that carries it: delivered twice, handled by two instances at once, its write refused, its answer lost after it
/// landed, or the worker dying right after it.
/// </summary>
public sealed class InboundRecorderTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const string Provider = "waha";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly RecordingSink _sink = new();
    private TestServices _services = null!;
    private Session _session = null!;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock, services: s => s.AddSingleton<IEventSink>(_sink));
        (_session, _) = await _services.NewSessionAsync();
        _sink.Follow(_session.Id);
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private InboundReport Report(string text = "hello", string from = "+14155550123") =>
        new(_session.Id, "false_" + Guid.NewGuid().ToString("N"), _clock.GetUtcNow().AddSeconds(-3), from, from, MessageType.Text, text);

    private Task<(MessageEntity Message, bool Recorded)> RecordAsync(InboundReport report, TestServices? services = null) =>
        (services ?? _services).Get<InboundRecorder>().RecordAsync(_session, Provider, report, CancellationToken.None);

    private async Task<IReadOnlyList<MessageEntity>> ChatAsync(string chat) =>
        (await _services.Get<MessageStore>().ChatPageAsync(new MessageQuery(_session.Id, 50, null, null, null, null, null, chat) { Partitions = _session.Partitions })).Rows;

    [Fact]
    public async Task AMessageDeliveredTwiceIsRecordedOnceWithOneEvent()
    {
        var report = Report();
        var first = await RecordAsync(report);
        var second = await RecordAsync(report);

        Assert.Equal((true, false, first.Message.Id), (first.Recorded, second.Recorded, second.Message.Id));
        var row = Assert.Single(await ChatAsync("+14155550123"));
        Assert.Equal(("received", "inbound", "+14155550123", report.ProviderMessageId), (row.Status, row.Direction, row.Sender, row.ProviderMessageId));
        await DispatchQueuedAsync();
        Assert.Equal([row.Id + ":received"], _sink.For(row.Id).Select(e => e.Id));
    }

    [Fact]
    public async Task TwoInstancesHandlingOneCallbackAtOnceRecordItOnce()
    {
        await using var other = new TestServices(azurite.ConnectionString, time: _clock, services: s => s.AddSingleton<IEventSink>(_sink));
        var report = Report(from: "+14155550124");

        var both = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => RecordAsync(report, i % 2 == 0 ? _services : other)));

        Assert.Single(both, b => b.Recorded);
        var row = Assert.Single(await ChatAsync("+14155550124"));
        await DispatchQueuedAsync();
        Assert.Single(_sink.For(row.Id));
    }

    [Fact]
    public async Task ARefusedWriteRecordsNothingAndTheProvidersRetryRecordsItOnce()
    {
        var report = Report(from: "+14155550125");
        for (var attempt = 0; attempt < 3; attempt++) // the storage client's first try and its two retries
            _services.Faults.Next(Fault.Refuse, "POST $batch");
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => RecordAsync(report));
        Assert.True(StorageFailure.IsStorageFailure(refused)); // answered 503 by the gate: the provider sends the callback again
        Assert.Empty(await ChatAsync("+14155550125"));

        Assert.True((await RecordAsync(report)).Recorded);
        var row = Assert.Single(await ChatAsync("+14155550125"));
        await DispatchQueuedAsync();
        Assert.Single(_sink.For(row.Id));
    }

    [Fact]
    public async Task AWriteWhoseAnswerIsLostAfterItLandedIsRecordedOnceAndItsEventGoesOut()
    {
        var report = Report(from: "+14155550126");
        _services.Faults.Next(Fault.LoseAnswer, "POST $batch"); // the storage client tries again and meets its own rows

        var (message, _) = await RecordAsync(report);

        Assert.Equal(message.Id, Assert.Single(await ChatAsync("+14155550126")).Id);
        await DispatchQueuedAsync();
        Assert.Equal([message.Id + ":received"], _sink.For(message.Id).Select(e => e.Id));
    }

    [Fact]
    public async Task AWorkerThatDiesRightAfterRecordingLosesNeitherTheMessageNorItsEvent()
    {
        var report = Report(from: "+14155550127");
        _services.Faults.Next(Fault.Die, "POST $batch");
        await Assert.ThrowsAsync<WorkerDied>(() => RecordAsync(report)); // no answer: the provider sends the callback again

        var again = await RecordAsync(report);
        Assert.False(again.Recorded);
        await DispatchQueuedAsync();
        Assert.Equal([again.Message.Id + ":received"], _sink.For(again.Message.Id).Select(e => e.Id));
        Assert.Single(await ChatAsync("+14155550127"));
    }

    [Fact]
    public async Task AnEventWhoseAnnouncementFailedIsHandedOnByTheSweeper()
    {
        var report = Report(from: "+14155550128");
        _services.Faults.Next(Fault.Refuse, QueueCalls.Put(StorageNames.EventsQueue));
        _services.Faults.Next(Fault.Refuse, QueueCalls.Put(StorageNames.EventsQueue));
        _services.Faults.Next(Fault.Refuse, QueueCalls.Put(StorageNames.EventsQueue));
        _services.Faults.Next(Fault.Refuse, QueueCalls.Put(StorageNames.EventsQueue));
        _services.Faults.Next(Fault.Refuse, QueueCalls.Put(StorageNames.EventsQueue));
        var (message, recorded) = await RecordAsync(report);
        Assert.True(recorded);
        await DispatchQueuedAsync();
        Assert.Empty(_sink.For(message.Id));

        _clock.Advance(TimeSpan.FromMinutes(2));
        await _services.Get<Sweeper>().RunAsync();
        await DispatchQueuedAsync();

        Assert.Equal([message.Id + ":received"], _sink.For(message.Id).Select(e => e.Id));
    }

    [Fact]
    public async Task ACustomerKnownByAnOpaqueIdIsOneChatOnceItsPhoneNumberWasSeenWithIt()
    {
        var lid = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999) + "@lid";
        var before = await RecordAsync(Report("who am I", lid));
        _clock.Advance(TimeSpan.FromSeconds(1));
        var seen = await RecordAsync(Report("now with my number", lid) with { SenderPhone = "14155550129@s.whatsapp.net" });
        _clock.Advance(TimeSpan.FromSeconds(1));
        var after = await RecordAsync(Report("and again", lid));

        Assert.Equal((lid, lid), (before.Message.Chat, before.Message.Sender)); // nothing known yet: the id as given
        Assert.Equal(("+14155550129", "+14155550129"), (seen.Message.Chat, seen.Message.Sender));
        Assert.Equal(("+14155550129", "+14155550129"), (after.Message.Chat, after.Message.Sender));
        Assert.Equal([after.Message.Id, seen.Message.Id], (await ChatAsync("+14155550129")).Select(m => m.Id));
    }

    [Fact]
    public async Task InAGroupTheChatIsTheGroupAndTheSenderTheParticipant()
    {
        var group = "1203630" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999) + "@g.us";
        var report = new InboundReport(_session.Id, "false_" + Guid.NewGuid().ToString("N"), _clock.GetUtcNow(), group, "+14155550130",
            MessageType.Text, "hi all");

        var (message, _) = await RecordAsync(report);

        Assert.Equal((group, "+14155550130", _session.SenderPhone), (message.Chat, message.Sender, message.To));
        Assert.Equal(message.Id, Assert.Single(await ChatAsync(group)).Id);
    }

    [Fact]
    public async Task AVeryLongTextIsKeptUpToItsLimitCutBetweenCharacters()
    {
        var text = new string('a', InboundRecorder.MaxTextCharacters - 1) + "👍🏽" + new string('b', 50_000);

        var (message, _) = await RecordAsync(Report(text, "+14155550131"));

        var stored = (await _services.Get<MessageStore>().FindAsync(message.MessageId))!;
        Assert.Equal(new string('a', InboundRecorder.MaxTextCharacters - 1), stored.Content); // the emoji and its skin tone do not fit: neither is kept
    }

    /// <summary>Runs every job on the events queue's shards through the dispatcher, as the queue triggers would.</summary>
    private Task DispatchQueuedAsync() =>
        azurite.Jobs(StorageNames.EventsQueue).RunAllAsync(job => _services.Get<EventDispatcher>().HandleAsync(job, CancellationToken.None));
}
