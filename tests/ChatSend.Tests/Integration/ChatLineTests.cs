using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Http;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Send;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// The order of a session's sends to one chat, driven job by job on two instances (<see cref="_a"/> and <see cref="_b"/>,
/// each with its own copies of rows and chat records) over one storage account: each send takes the next number whatever
/// an instance remembers, a turn is passed on at once whatever else writes the chat's record, and a send whose turn came
/// by its job ends without reading the record.
/// </summary>
public sealed class ChatLineTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const string Chat = "+12025550123";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly BeforeCall _hookA = new();
    private TestServices _a = null!;
    private TestServices _b = null!;

    public async Task InitializeAsync()
    {
        _a = new TestServices(azurite.ConnectionString, time: _clock, services: s => s.AddSingleton(new StoragePipelinePolicy(_hookA)));
        _b = new TestServices(azurite.ConnectionString, time: _clock);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task AScheduledMessageJoiningItsChatWhileThisInstanceKnowsAnOlderRecordTakesTheNextNumber()
    {
        var (session, key) = await _a.NewSessionAsync();
        var sendAt = MessageView.FormatTime(_clock.GetUtcNow().AddHours(1));
        var (status, view, _) = await _a.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"{{Chat}}","text":"later","sendAt":"{{sendAt}}"}""");
        Assert.Equal(202, status);
        var scheduled = MessageId.Parse(view!.Id);
        await _a.SendTextAsync(key, session.Id, Chat); // number 1, on A: A remembers the record with 1 taken
        await _b.SendTextAsync(key, session.Id, Chat); // number 2, on B: it waits behind the first
        _clock.Advance(TimeSpan.FromHours(1));

        // Its time has come: A's job finds it due and gives it the next number, 3 (A's copy of the record says 2).
        await _a.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(scheduled), CancellationToken.None);

        var row = (await _a.Get<MessageStore>().FindAsync(scheduled))!;
        Assert.Equal((3L, "scheduled"), (row.LineNumber, row.Status)); // behind the two before it, waiting
        Assert.Equal((0, 3), await RecordAsync(session.Id));
        Assert.Equal(0, _a.Get<ScriptedProvider>().CallsFor(scheduled.Value));
    }

    [Fact]
    public async Task ACanceledSendWhoseTurnComesWhileACustomerWritesInTheChatPassesItOnAtOnce()
    {
        var (session, key) = await _a.NewSessionAsync();
        var first = await _a.SendTextAsync(key, session.Id, Chat);
        var second = await _a.SendTextAsync(key, session.Id, Chat);
        var third = await _a.SendTextAsync(key, session.Id, Chat);
        Assert.Equal(200, await CancelAsync(_a, key, second.Id)); // waiting behind the first: skipped when its turn comes
        await RunQueuedAsync(_a); // the first is sent and queues the second's job
        Assert.Equal("sent", (await _a.Get<MessageStore>().FindAsync(first.MessageId))!.Status);
        var secondsJob = Assert.Single(await JobsAsync());
        Assert.Equal(second.MessageId, secondsJob.Id);

        // The customer's message lands on B while A's job for the canceled second passes its turn on.
        _hookA.Before("POST $batch", () => ReceiveAsync(_b, session));
        await _a.Get<DeliveryProcessor>().HandleAsync(secondsJob, CancellationToken.None);

        Assert.Equal((2, 3), await RecordAsync(session.Id)); // the second's turn has passed: the third's is now
        var thirdsJob = Assert.Single(await JobsAsync()); // and the third goes now, not a SweepAfter later when its marker is due
        Assert.Equal(third.MessageId, thirdsJob.Id);
    }

    [Fact]
    public async Task ASendAnswered503WhoseNumberAnotherSendTookDoesNotReadTheChatOverAndOver()
    {
        var faults = new StorageFaults();
        await using var a = new TestServices(azurite.ConnectionString, time: _clock, services: s => s.AddSingleton(new StoragePipelinePolicy(faults)));
        var (session, key) = await a.NewSessionAsync();
        await a.SendTextAsync(key, session.Id, Chat);
        await RunQueuedAsync(a); // sent on A: A remembers the record with nothing waiting (1 taken, 1 passed)
        await _b.SendTextAsync(key, session.Id, Chat); // number 2, on B: it holds the turn, its job waits on the queue
        for (var i = 0; i < 3; i++) // A's next send (number 2 by its copy) is refused on every try of the storage client
            faults.Next(Fault.Refuse, "POST $batch");

        var before = faults.Calls.Count;
        var (status, _, _) = await a.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"{{Chat}}","text":"refused"}""");

        Assert.Equal(503, status);
        Assert.Equal((1, 2), await RecordAsync(session.Id)); // B's send keeps its turn
        var calls = faults.Calls.Skip(before).ToList();
        // Taking the row back, then one look at the chat's record and its head: the turn is B's send's, under way.
        Assert.True(calls.Count(c => c == "GET messages()") <= 2, string.Join(Environment.NewLine, calls));
    }

    [Fact]
    public async Task ASendWhoseTurnCameWithItsJobEndsWithoutReadingTheChatsRecordOnAnInstanceThatKnewAnOlderOne()
    {
        var faults = new StorageFaults();
        await using var a = new TestServices(azurite.ConnectionString, time: _clock, services: s => s.AddSingleton(new StoragePipelinePolicy(faults)));
        var (session, key) = await a.NewSessionAsync();
        var first = await a.SendTextAsync(key, session.Id, Chat);
        var second = await a.SendTextAsync(key, session.Id, Chat); // A remembers the record: 2 taken, none passed
        await RunQueuedAsync(_b); // B sends the first and passes the turn on: the second's job carries the record as B left it
        Assert.Equal("sent", (await a.Get<MessageStore>().FindAsync(first.MessageId))!.Status);
        var job = Assert.Single(await JobsAsync());
        Assert.Equal((second.MessageId, 2L), (job.Id, job.Turn?.Number));

        var before = faults.Calls.Count;
        await a.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);

        Assert.Equal("sent", (await _b.Get<MessageStore>().FindAsync(second.MessageId))!.Status);
        Assert.Equal((2, 2), await RecordAsync(session.Id));
        Assert.DoesNotContain("GET messages()", faults.Calls.Skip(before)); // the claim, then the write that ends it and passes the turn
    }

    [Fact]
    public async Task ASendToAChatWithNothingWaitingEndsInOneWriteOnAnInstanceThatSentTheOneBefore()
    {
        var faults = new StorageFaults();
        await using var a = new TestServices(azurite.ConnectionString, time: _clock, services: s => s.AddSingleton(new StoragePipelinePolicy(faults)));
        var (session, key) = await a.NewSessionAsync();
        await a.SendTextAsync(key, session.Id, Chat);
        await RunQueuedAsync(a); // sent on A: A remembers the record with nothing waiting (1 taken, 1 passed)
        var next = await _b.SendTextAsync(key, session.Id, Chat); // accepted on B: its job carries the record as B wrote it
        var job = Assert.Single(await JobsAsync());

        var before = faults.Calls.Count;
        await a.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);

        Assert.Equal("sent", (await _b.Get<MessageStore>().FindAsync(next.MessageId))!.Status);
        Assert.Equal((2, 2), await RecordAsync(session.Id));
        var calls = faults.Calls.Skip(before).ToList();
        // The row read (another instance accepted it), the claim (with its marker: a send in a line may have had it moved
        // far out while it waited), the write that ends it, passes the turn and indexes the provider's id.
        Assert.True(calls.Count == 3 && calls.Count(c => c == "POST $batch") == 2 && !calls.Contains("GET messages()"), string.Join(Environment.NewLine, calls));
    }

    [Fact]
    public async Task ASendWaitingItsTurnIsLookedAtLessOftenTheFurtherBackItIsAndOnTimeOnceItsTurnCame()
    {
        var (session, key) = await _a.NewSessionAsync();
        var sends = new List<MessageEntity>();
        for (var i = 0; i < 4; i++)
            sends.Add(await _a.SendTextAsync(key, session.Id, Chat)); // the first holds the turn; no job for the others
        Assert.Equal([sends[0].MessageId], (await JobsAsync()).Select(j => j.Id)); // the first's job, not run: it is under way
        var sweepAfter = _a.Get<Microsoft.Extensions.Options.IOptions<DeliveryOptions>>().Value.SweepAfter;
        _clock.Advance(sweepAfter + TimeSpan.FromSeconds(1));

        // The waiting ones' markers fall due; their jobs find the first under way and look again later the further back they are.
        foreach (var waiting in sends.Skip(1))
            await _a.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(waiting.MessageId), CancellationToken.None);

        var now = _clock.GetUtcNow();
        Assert.Equal([now + sweepAfter, now + 2 * sweepAfter, now + 3 * sweepAfter], await MarkerDuesAsync(sends.Skip(1)));
        // The first was never tried and nothing holds it: its job may be lost, so each look queued it again.
        Assert.All(await JobsAsync(), j => Assert.Equal(sends[0].MessageId, j.Id));

        // The first sent, its end queues the second, which goes at once whatever its marker says.
        await _a.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(sends[0].MessageId), CancellationToken.None);
        Assert.Equal(sends[1].MessageId, Assert.Single(await JobsAsync()).Id);
        await _a.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(sends[1].MessageId), CancellationToken.None);
        Assert.Equal("sent", (await _a.Get<MessageStore>().FindAsync(sends[1].MessageId))!.Status);
        Assert.Equal([now + 2 * sweepAfter, now + 3 * sweepAfter], await MarkerDuesAsync(sends.Skip(2))); // no one looked again
    }

    private async Task<List<DateTimeOffset>> MarkerDuesAsync(IEnumerable<MessageEntity> messages)
    {
        var table = azurite.Clients.Table(StorageNames.MessagesTable);
        var dues = new List<DateTimeOffset>();
        foreach (var m in messages)
            dues.Add((await table.GetEntityAsync<WorkMarker>(m.PartitionKey, MessageRowKeys.MarkerOf(m.MessageId))).Value.Due);
        return dues;
    }

    private async Task<(long Passed, long Taken)> RecordAsync(string session)
    {
        var record = (await azurite.Clients.Table(StorageNames.MessagesTable).GetEntityAsync<TableEntity>(session, MessageRowKeys.ChatRecordOf(Chat))).Value;
        return (record.GetInt64("OutboundPassed") ?? 0, record.GetInt64("OutboundTaken") ?? 0);
    }

    private async Task<List<DeliveryJob>> JobsAsync()
    {
        var jobs = new List<DeliveryJob>();
        foreach (var m in await azurite.Jobs(StorageNames.DeliveriesQueue).TakeAsync())
            if (QueueMessages.TryRead<DeliveryJob>(m.Body.ToString(), out var job))
                jobs.Add(job);
        return jobs;
    }

    /// <summary>Runs the jobs on the queue now on <paramref name="services"/> (not those they queue).</summary>
    private async Task RunQueuedAsync(TestServices services)
    {
        foreach (var job in await JobsAsync())
            await services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);
    }

    private static async Task<int> CancelAsync(TestServices services, string key, string id)
    {
        var context = new DefaultHttpContext { RequestServices = services.Provider };
        context.Request.Method = "DELETE";
        context.Request.Headers.Authorization = "Bearer " + key;
        var result = await services.Get<ApiGate>().InvokeAsync(context, ApiEndpoints.Find(ApiEndpoints.CancelMessage)!,
            async () => (await services.Get<CancelMessageHandler>().HandleAsync(context.Request, id, CancellationToken.None)).Result);
        return (result as IStatusCodeHttpResult)?.StatusCode ?? 0;
    }

    private static Task ReceiveAsync(TestServices services, ChatSend.Sessions.Session session) =>
        services.Get<InboundRecorder>().RecordAsync(session, session.Provider,
            new ChatSend.Providers.Callbacks.InboundReport(session.Id, "in-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, Chat, Chat,
                MessageType.Text, "is my order on its way?"), CancellationToken.None);

    /// <summary>Runs an action once, right before the next storage call whose description contains a given text.</summary>
    private sealed class BeforeCall : HttpPipelinePolicy
    {
        private (string Part, Func<Task> Action)? _armed;

        public void Before(string part, Func<Task> action) => _armed = (part, action);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (_armed is { } armed && StorageFaults.Describe(message.Request).Contains(armed.Part, StringComparison.OrdinalIgnoreCase))
            {
                _armed = null;
                await armed.Action();
            }
            await ProcessNextAsync(message, pipeline);
        }
    }
}
