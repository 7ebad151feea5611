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
/// A chat's <c>received</c> events reach the sinks in the order the customer sent the messages, numbered 1, 2, 3… by
/// <c>chatsequence</c>: a message whose file is being fetched holds the later ones of its chat (and no other chat),
/// events jobs run in any order on two instances at once, a sink that fails keeps the chat waiting for the sweeper,
/// and a dispatcher that dies between handing events on and recording it hands on the same numbers again.
/// Driven through the recorder, the fetch and events handlers on Azurite with the scripted provider's files.
/// </summary>
public sealed class ChatOrderTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const string Customer = "+14155550123";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly RecordingSink _sink = new();
    private readonly ScriptedMediaSource _files = new();
    private TestServices _services = null!;
    private DateTimeOffset _sentAt = DateTimeOffset.UtcNow.AddMinutes(-10);

    public Task InitializeAsync()
    {
        _services = Services();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private TestServices Services() =>
        new(azurite.ConnectionString, null, _clock, s => s.AddSingleton<IEventSink>(_sink).AddSingleton<IInboundMediaSource>(_files));

    private async Task<Session> FollowedSessionAsync(TestServices? services = null)
    {
        var (session, _) = await (services ?? _services).NewSessionAsync();
        _sink.Follow(session.Id);
        return session;
    }

    /// <summary>A customer's message, sent a second after the one before unless <paramref name="sameSecond"/>; an image when <paramref name="file"/> is given.</summary>
    private async Task<MessageEntity> ReceiveAsync(Session session, string text, string? file = null, string chat = Customer, bool sameSecond = false,
        TestServices? services = null)
    {
        _sentAt = sameSecond ? _sentAt : _sentAt.AddSeconds(1);
        var report = new InboundReport(session.Id, "p-" + Guid.NewGuid().ToString("N"), _sentAt, chat, chat,
            file is null ? MessageType.Text : MessageType.Image, text) { Media = file };
        var (message, recorded) = await (services ?? _services).Get<InboundRecorder>().RecordAsync(session, ScriptedProvider.ProviderName, report,
            CancellationToken.None);
        Assert.True(recorded);
        return message;
    }

    private static Task RunEventsJobAsync(TestServices services, MessageEntity message) =>
        services.Get<EventDispatcher>().HandleAsync(new EventJob(message.MessageId) { Chat = message.Chat }, CancellationToken.None);

    private Task FetchFileAsync(MessageEntity message) =>
        _services.Get<Delivery.DeliveryProcessor>().HandleAsync(new Delivery.DeliveryJob(message.MessageId), CancellationToken.None);

    /// <summary>The received events the sinks got for a session, in the order they got them: (text, chatsequence).</summary>
    private IReadOnlyList<(string Text, string? Sequence)> Received(Session session) =>
        _sink.Received.Where(r => r.Session == session.Id && r.Event.Type == MessageEvents.TypeOf(MessageStatus.Received))
            .Select(r => ((string)RecordingSink.Data(r.Event)["content"]!,
                r.Event.ExtensionAttributes.TryGetValue(MessageEvents.ChatSequenceAttribute, out var s) ? (string?)s : null))
            .ToList();

    private static string Seq(int n) => MessageEvents.FormatSequence(n);

    [Fact]
    public async Task AMessageWhoseFileIsBeingFetchedHoldsTheLaterOnesOfItsChatUntilItIsSettled()
    {
        var session = await FollowedSessionAsync();
        var photo = await ReceiveAsync(session, "photo", ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        var first = await ReceiveAsync(session, "did you get it?");
        var second = await ReceiveAsync(session, "hello?");

        await RunEventsJobAsync(_services, second);
        await RunEventsJobAsync(_services, first);
        Assert.Empty(Received(session));

        await FetchFileAsync(photo); // settles the file and queues the photo's events job
        await RunEventsJobAsync(_services, photo);

        Assert.Equal([("photo", Seq(1)), ("did you get it?", Seq(2)), ("hello?", Seq(3))], Received(session));
        var data = RecordingSink.Data(_sink.For(photo.Id).Single());
        Assert.Equal($"/messages/{photo.Id}/media", (string?)data["media"]!["url"]);

        var next = await ReceiveAsync(session, "thanks");
        await RunEventsJobAsync(_services, next);
        Assert.Equal(("thanks", Seq(4)), Received(session)[^1]);
    }

    [Fact]
    public async Task AnotherChatDoesNotWaitForAChatWhoseFileIsBeingFetched()
    {
        var session = await FollowedSessionAsync();
        await ReceiveAsync(session, "photo", ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        var other = await ReceiveAsync(session, "from someone else", chat: "+14155550199");

        await RunEventsJobAsync(_services, other);

        Assert.Equal([("from someone else", Seq(1))], Received(session));
    }

    [Fact]
    public async Task MessagesSentInTheSameSecondGoInTheOrderTheyArrived()
    {
        var session = await FollowedSessionAsync();
        var texts = Enumerable.Range(1, 6).Select(i => $"part {i}").ToList();
        var messages = new List<MessageEntity>();
        foreach (var text in texts)
        {
            messages.Add(await ReceiveAsync(session, text, sameSecond: true));
            _clock.Advance(TimeSpan.FromMilliseconds(5)); // they arrive a little apart; the provider's times are whole seconds
        }

        foreach (var message in Enumerable.Reverse(messages))
            await RunEventsJobAsync(_services, message);

        Assert.Equal(texts.Select((t, i) => (t, (string?)Seq(i + 1))), Received(session));
    }

    [Fact]
    public async Task EventsJobsRunInAnyOrderOnTwoInstancesAtOnceStillHandOnTheCustomersOrderWithoutGaps()
    {
        await using var elsewhere = Services();
        var session = await FollowedSessionAsync();
        var texts = Enumerable.Range(1, 24).Select(i => $"message {i}").ToList();
        var messages = new List<MessageEntity>();
        foreach (var text in texts)
            messages.Add(await ReceiveAsync(session, text));

        var jobs = messages.Concat(messages).OrderBy(_ => Random.Shared.Next()).Select((m, i) => RunEventsJobAsync(i % 2 == 0 ? _services : elsewhere, m));
        await Task.WhenAll(jobs);

        var received = Received(session);
        // Each message is handed on with one number; one handed on twice (two dispatchers at once) repeats it, never earlier.
        Assert.All(received, r => Assert.Equal(Seq(texts.IndexOf(r.Text) + 1), r.Sequence));
        var highest = 0;
        foreach (var (text, _) in received)
        {
            var n = texts.IndexOf(text) + 1;
            Assert.True(n <= highest + 1, $"{text} was handed on before message {highest + 1}");
            highest = Math.Max(highest, n);
        }
        Assert.Equal(texts.Count, highest);
    }

    [Fact]
    public async Task WhenASinkFailsTheChatWaitsAndTheSweeperHandsItOnInOrderOnceDue()
    {
        var session = await FollowedSessionAsync();
        var first = await ReceiveAsync(session, "one");
        _sink.FailNext(1);
        await RunEventsJobAsync(_services, first);
        var second = await ReceiveAsync(session, "two");
        await RunEventsJobAsync(_services, second); // the sink is back, but "one" has not gone yet: both go, in order
        Assert.Equal([("one", Seq(1)), ("two", Seq(2))], Received(session));

        var third = await ReceiveAsync(session, "three");
        _sink.FailNext(1);
        await RunEventsJobAsync(_services, third);
        Assert.Equal(2, Received(session).Count);

        var events = azurite.Jobs(StorageNames.EventsQueue);
        await events.ClearAsync();
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True((await _services.Get<Sweeper>().RunAsync()).EventsRequeued >= 1);
        var job = (await events.ReceiveAsync()).Select(m => m.Body.ToString()).Single(b => b.Contains(third.Id));
        await _services.Get<EventDispatcher>().HandleAsync(job, CancellationToken.None);

        Assert.Equal([("one", Seq(1)), ("two", Seq(2)), ("three", Seq(3))], Received(session));
    }

    [Fact]
    public async Task ASweepQueuesOneEventsJobForAChatWaitingBehindAFileNotOnePerMessage()
    {
        var session = await FollowedSessionAsync();
        var photo = await ReceiveAsync(session, "photo", ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        foreach (var text in new[] { "one", "two", "three" })
            await ReceiveAsync(session, text);
        await ReceiveAsync(session, "elsewhere", chat: "+14155550199");
        var events = azurite.Jobs(StorageNames.EventsQueue);
        await events.ClearAsync();

        _clock.Advance(TimeSpan.FromMinutes(5));
        await _services.Get<Sweeper>().RunAsync(); // it sweeps every session: the other tests' too

        var jobs = (await events.ReceiveAsync()).Where(m => m.Body.ToString().Contains(session.Id, StringComparison.Ordinal));
        Assert.Equal(2, jobs.Count()); // the waiting chat once, the other chat once
        await FetchFileAsync(photo);
        await RunEventsJobAsync(_services, photo);
        Assert.Equal(["photo", "one", "two", "three"], Received(session).Where(r => r.Text != "elsewhere").Select(r => r.Text));
    }

    [Theory]
    [InlineData(Fault.Refuse)]
    [InlineData(Fault.LoseAnswer)]
    [InlineData(Fault.Die)]
    public async Task ADispatcherWhoseRecordingFailsHandsOnTheSameNumbersAgainAndNothingElse(Fault fault)
    {
        var session = await FollowedSessionAsync();
        var first = await ReceiveAsync(session, "one");
        var second = await ReceiveAsync(session, "two");

        _services.Faults.Next(fault, "POST $batch"); // the transaction that records the hand-over
        await Record.ExceptionAsync(() => RunEventsJobAsync(_services, second));
        await RunEventsJobAsync(_services, first);
        var third = await ReceiveAsync(session, "three");
        await RunEventsJobAsync(_services, third);

        var received = Received(session);
        Assert.Equal([("one", Seq(1)), ("two", Seq(2))], received.Take(2));
        Assert.Equal(("three", Seq(3)), received[^1]);
        Assert.All(received, r => Assert.Equal(Seq(int.Parse(r.Sequence!)), r.Sequence));
        Assert.Equal(received.Select(r => r.Text).Distinct().Count(), received.Select(r => r.Sequence).Distinct().Count());
    }

    /// <summary>The events the sinks got for one message, by status, in the order they got them.</summary>
    private IReadOnlyList<MessageStatus> EventsOf(MessageEntity message, RecordingSink? sink = null) =>
        (sink ?? _sink).For(message.Id).Select(e => MessageStatuses.Parse(e.Type[MessageEvents.TypePrefix.Length..])).ToList();

    /// <summary>Runs the events jobs the sweeper queued for <paramref name="messages"/>, as the queue hands them over.</summary>
    private async Task SweepAndRunEventsJobsAsync(params MessageEntity[] messages)
    {
        var queue = azurite.Jobs(StorageNames.EventsQueue);
        await queue.ClearAsync();
        _clock.Advance(TimeSpan.FromMinutes(5));
        await _services.Get<Sweeper>().RunAsync();
        foreach (var job in (await queue.ReceiveAsync()).Select(m => m.Body.ToString()).Where(b => messages.Any(m => b.Contains(m.Id))))
            await _services.Get<EventDispatcher>().HandleAsync(job, CancellationToken.None);
    }

    [Fact]
    public async Task AReadEventQueuedAgainByTheSweeperStillWaitsForTheMessagesReceivedEvent()
    {
        var session = await FollowedSessionAsync();
        var photo = await ReceiveAsync(session, "photo", ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        var text = await ReceiveAsync(session, "are you there?");
        await _services.Get<MessageStore>().UpdateAsync(text.MessageId, m => m.Advance(MessageStatus.Read, _clock.GetUtcNow()) ? MarkerChange.Keep : null);
        await RunEventsJobAsync(_services, text);
        Assert.Empty(EventsOf(text)); // the photo before it is still being fetched

        await SweepAndRunEventsJobsAsync(text); // the read entry falls due first: its job is the sweeper's

        Assert.Empty(EventsOf(text));
        await FetchFileAsync(photo);
        await RunEventsJobAsync(_services, photo);
        await RunEventsJobAsync(_services, text);
        Assert.Equal([MessageStatus.Received, MessageStatus.Read], EventsOf(text));
        Assert.Equal([("photo", Seq(1)), ("are you there?", Seq(2))], Received(session));
    }

    [Fact]
    public async Task AMessageRecordedByThePreviousVersionWhileItsFileWasFetchedGetsItsReceivedEventWhenTheFileIsSettled()
    {
        var session = await FollowedSessionAsync();
        var photo = await ReceiveAsync(session, "photo", ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        // As the version before chat order left it: the message, its marker, no event entry at all (it waited for its file).
        var table = azurite.Clients.Table(StorageNames.MessagesTable);
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(MessageRowKeys.ChatOrder(Customer).Filter(session.Id)))
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        var message = (await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(session.Id, photo.RowKey)).Value;
        if (message.Remove(nameof(MessageEntity.InChatOrder))) // this version's mark, if it leaves one on the row
            await table.UpdateEntityAsync(message, message.ETag, Azure.Data.Tables.TableUpdateMode.Replace);

        await FetchFileAsync(photo); // by this version
        await RunEventsJobAsync(_services, photo);

        Assert.Equal([MessageStatus.Received], EventsOf(photo));
    }

    [Fact]
    public async Task AMessageRecordedBeforeAnyoneFollowedTheSessionGetsItsReceivedEventWhenTheFileIsSettled()
    {
        var (session, _) = await _services.NewSessionAsync();
        var photo = await ReceiveAsync(session, "photo", ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        _sink.Follow(session.Id); // a webhook registered while the file is fetched

        await FetchFileAsync(photo);
        await RunEventsJobAsync(_services, photo);

        Assert.Equal([MessageStatus.Received], EventsOf(photo));
    }

    [Fact]
    public async Task AMessageThatArrivesLateAfterARoundOnlyOneSinkTookNeverGetsANumberAnotherMessageHad()
    {
        var other = new RecordingSink();
        await using var services = new TestServices(azurite.ConnectionString, null, _clock,
            s => s.AddSingleton<IEventSink>(_sink).AddSingleton<IEventSink>(other).AddSingleton<IInboundMediaSource>(_files));
        var session = await FollowedSessionAsync(services);
        other.Follow(session.Id);
        var two = await ReceiveAsync(session, "two", services: services);
        await ReceiveAsync(session, "three", services: services);
        other.FailNext(1);
        await RunEventsJobAsync(services, two); // the first sink has "two" as 1 and "three" as 2; the other one failed

        _sentAt = _sentAt.AddSeconds(-10); // the customer sent "one" before both; the provider delivers it only now
        var one = await ReceiveAsync(session, "one", services: services);
        await RunEventsJobAsync(services, one);

        // A webhook endpoint's cursor went past 1 and 2 with "two" and "three": a later "one" numbered 1 is never posted.
        Assert.All(Received(session).GroupBy(r => r.Sequence), g => Assert.Single(g.Select(r => r.Text).Distinct()));
    }
}
