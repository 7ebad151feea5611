using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// <c>POST /send</c> with each of its storage writes failing, landing with the answer lost, or followed by the worker
/// dying: a 202 is always delivered (once), a 503 never is, and no message is left without a way forward.
/// </summary>
public sealed class AcceptanceTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const string Batch = "POST $batch";
    private static readonly string[] QueuePut = QueueCalls.Put(StorageNames.DeliveriesQueue);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;
    private (ChatSend.Sessions.Session Session, string Key) _sender;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        _sender = await _services.NewSessionAsync();
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private Task<(int Status, MessageView? Message, Microsoft.AspNetCore.Http.HttpResponse Response)> SendAsync() =>
        _services.SendAsync(_sender.Key, $$"""{"session":"{{_sender.Session.Id}}","to":"+12025550123","text":"hello"}""");

    private async Task<List<DeliveryJob>> JobsAsync()
    {
        var jobs = new List<DeliveryJob>();
        foreach (var m in await azurite.Jobs(StorageNames.DeliveriesQueue).TakeAsync())
            if (QueueMessages.TryRead<DeliveryJob>(m.Body.ToString(), out var job))
                jobs.Add(job);
        return jobs;
    }

    /// <summary>Runs every queued job, then the sweeper after its wait, then those jobs, as the hosts would.</summary>
    private async Task DrainAsync()
    {
        var processor = _services.Get<DeliveryProcessor>();
        foreach (var job in await JobsAsync())
            await processor.HandleAsync(job, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(2));
        await _services.Get<Sweeper>().RunAsync();
        foreach (var job in await JobsAsync())
            await processor.HandleAsync(job, CancellationToken.None);
    }

    /// <summary>The rows of the partition that holds the chat (the session's only one, unless the tests run with more).</summary>
    private async Task<List<TableEntity>> PartitionAsync()
    {
        var partition = MessagePartitions.For(_sender.Session, "+12025550123");
        return await azurite.Clients.Table(StorageNames.MessagesTable).QueryAsync<TableEntity>(e => e.PartitionKey == partition).ToListAsync();
    }

    /// <summary>What each row of the partition is, in row-key order.</summary>
    private static IEnumerable<string> Kinds(IEnumerable<TableEntity> rows) => rows.Select(r =>
        MessageRowKeys.Messages.Contains(r.RowKey) ? "message" : MessageRowKeys.Markers.Contains(r.RowKey) ? "marker"
        : MessageRowKeys.Outbox.Contains(r.RowKey) ? "outbox"
        : r.RowKey.StartsWith("~~~h:", StringComparison.Ordinal) ? $"chat record {r.GetInt64("OutboundPassed")}/{r.GetInt64("OutboundTaken")}"
        : r.RowKey.StartsWith("~~~o:", StringComparison.Ordinal) ? "line entry"
        : r.RowKey.StartsWith("~~~p:", StringComparison.Ordinal) ? "provider id" : "chat");

    private async Task AssertSentOnceAsync(string id)
    {
        await DrainAsync();
        var row = await _services.Get<MessageStore>().FindAsync(MessageId.Parse(id));
        Assert.Equal(("sent", false, null), (row!.Status, row.HasMarker, row.ClaimId));
        Assert.Equal(1, _services.Get<ScriptedProvider>().CallsFor(id));
        // The row and its chat entry, no marker; the chat's record with the message's turn passed, no line entry; the
        // provider's id for it, written with sent.
        Assert.Equal(["message", "chat", "chat record 1/1", "provider id"], Kinds(await PartitionAsync()));
    }

    [Fact]
    public async Task AQueuePutThatFailsIsStillAcceptedAndTheSweeperQueuesTheJob()
    {
        _services.Faults.Next(Fault.Refuse, QueuePut);
        _services.Faults.Next(Fault.Refuse, QueuePut);
        _services.Faults.Next(Fault.Refuse, QueuePut);

        var (status, view, _) = await SendAsync();

        Assert.Equal(202, status);
        Assert.Empty(await JobsAsync());
        // The row, its marker, its chat entry; its number in its chat's line.
        Assert.Equal(["message", "marker", "chat", "chat record 0/1", "line entry"], Kinds(await PartitionAsync()));
        await AssertSentOnceAsync(view!.Id);
    }

    [Fact]
    public async Task AQueuePutWhoseAnswerIsLostMayQueueTwoJobsButSendsOnce()
    {
        _services.Faults.Next(Fault.LoseAnswer, QueuePut);

        var (status, view, _) = await SendAsync();

        Assert.Equal(202, status);
        var jobs = await JobsAsync();
        Assert.Equal(2, jobs.Count); // the storage client retried the put that had landed
        foreach (var job in jobs)
            await _services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);
        await AssertSentOnceAsync(view!.Id);
    }

    [Fact]
    public async Task ATransactionThatLandsWithItsAnswerLostIsAcceptedOnce()
    {
        _services.Faults.Next(Fault.LoseAnswer, Batch);

        var (status, view, _) = await SendAsync();

        Assert.Equal(202, status); // the client's retry got 409 on the fresh id: the first try landed
        Assert.Single(await JobsAsync());
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(MessageId.Parse(view!.Id)), CancellationToken.None);
        await AssertSentOnceAsync(view.Id);
    }

    [Theory]
    [InlineData(Fault.Refuse)]
    [InlineData(Fault.LoseAnswer)]
    public async Task ATransactionThatFailsOnEveryTryIs503AndNothingIsEverSent(Fault fault)
    {
        for (var i = 0; i < 3; i++) // the storage client tries three times
            _services.Faults.Next(fault, Batch);

        var (status, _, response) = await SendAsync();

        Assert.Equal((503, "5"), (status, response.Headers.RetryAfter.ToString()));
        // A landed first try was removed again, and the number it took in its chat passed on: only the chat's record is left.
        IReadOnlyList<string> left = fault == Fault.LoseAnswer ? ["chat record 1/1"] : [];
        Assert.Equal(left, Kinds(await PartitionAsync()));
        await DrainAsync();
        Assert.Equal(left, Kinds(await PartitionAsync()));
        Assert.DoesNotContain(_services.Get<ScriptedProvider>().Calls, c => c.Key.Contains(_sender.Session.Id));
    }

    [Fact]
    public async Task AWorkerThatDiesAfterTheTransactionLeavesAMessageTheSweeperDelivers()
    {
        _services.Faults.Next(Fault.Die, Batch);

        var (status, _, _) = await SendAsync();

        Assert.Equal(500, status); // the client got no real answer; the message was accepted all the same
        Assert.Empty(await JobsAsync());
        var row = Assert.Single(await _services.Get<MessageStore>().ListAsync(_sender.Session, 10));
        await AssertSentOnceAsync(row.Id);
    }

    [Fact]
    public async Task AWorkerThatDiesAfterTheQueuePutLeavesAMessageThatIsSentOnce()
    {
        _services.Faults.Next(Fault.Die, QueuePut);

        await SendAsync();

        var row = Assert.Single(await _services.Get<MessageStore>().ListAsync(_sender.Session, 10));
        var job = Assert.Single(await JobsAsync());
        await _services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);
        await AssertSentOnceAsync(row.Id);
    }
}
