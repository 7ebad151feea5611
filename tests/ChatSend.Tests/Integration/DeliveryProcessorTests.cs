using Azure.Storage.Queues;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Integration;

public sealed class DeliveryProcessorTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestServices _services = null!;

    /// <summary>The shard of the deliveries queue the message's jobs go to, its retries' too: the one its id picks.</summary>
    private QueueClient DeliveriesOf(MessageEntity message) => _services.Get<QueueShards>().Of(StorageNames.DeliveriesQueue).For(message.Id);

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite, new Dictionary<string, string?> { ["ChatSend:Delivery:MaxAttempts"] = "3" });
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<(MessageEntity Message, string Job)> AcceptAsync(IDictionary<string, string>? settings = null, bool enabled = true)
    {
        var (session, key) = await _services.NewSessionAsync(settings: settings);
        var message = await _services.SendTextAsync(key, session.Id);
        var job = (await DeliveriesOf(message).ReceiveMessageAsync()).Value;
        await DeliveriesOf(message).DeleteMessageAsync(job.MessageId, job.PopReceipt);
        if (!enabled)
            await _services.Get<ChatSend.Sessions.SessionStore>().UpsertAsync(session with { Enabled = false });
        return (message, job.Body.ToString());
    }

    private Task<MessageEntity?> Reload(MessageEntity message) => _services.Get<MessageStore>().FindAsync(message.MessageId);

    [Fact]
    public async Task SendHandlerQueuesABase64JobThatNamesTheMessage()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);

        var raw = new QueueClient(azurite.ConnectionString, DeliveriesOf(message).Name); // no decoding: what the Functions host sees
        var text = (await raw.PeekMessageAsync()).Value.Body.ToString();
        var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(text));
        Assert.True(QueueMessages.TryRead<DeliveryJob>(decoded, out var job));
        Assert.Equal(message.MessageId, job.Id);
        Assert.NotNull(job.VisibleAt);
    }

    [Fact]
    public async Task DeliveryRecordsSentWithTheProvidersId()
    {
        var (message, job) = await AcceptAsync();
        await _services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);

        var stored = await Reload(message);
        Assert.Equal("sent", stored!.Status);
        Assert.Equal($"scripted-{message.Id}-1", stored.ProviderMessageId);
        Assert.Equal([MessageStatus.Queued, MessageStatus.Sent], stored.GetHistory().Select(h => h.Status));
        Assert.Equal(1, stored.Attempts);
    }

    [Fact]
    public async Task ARepeatedJobDoesNotSendTwice()
    {
        var (message, job) = await AcceptAsync();
        var processor = _services.Get<DeliveryProcessor>();
        await processor.HandleAsync(job, CancellationToken.None);
        await processor.HandleAsync(job, CancellationToken.None);

        Assert.Equal(1, _services.Get<ScriptedProvider>().CallsFor(message.Id));
        Assert.Equal([MessageStatus.Queued, MessageStatus.Sent], (await Reload(message))!.GetHistory().Select(h => h.Status));
    }

    [Fact]
    public async Task TransientFailureRequeuesTheNextAttemptAfterABackoff()
    {
        var (message, job) = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "transient" });
        await _services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);

        var stored = (await Reload(message))!;
        Assert.Equal(("queued", 1, null), (stored.Status, stored.Attempts, stored.ClaimId)); // the claim is let go
        Assert.True(stored.HasMarker); // and the marker is due after the backoff, should the job be lost
        Assert.Equal(1, (await DeliveriesOf(message).GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty((await DeliveriesOf(message).PeekMessagesAsync()).Value); // the one job there is hidden for the backoff
        var retry = await Eventually.MatchesAsync(async () => (await DeliveriesOf(message).ReceiveMessageAsync()).Value, m => m is not null, TimeSpan.FromSeconds(10));
        Assert.True(QueueMessages.TryRead<DeliveryJob>(retry.Body.ToString(), out var next));
        Assert.Equal((message.MessageId, message.TraceParent), (next.Id, next.TraceParent)); // the retry keeps the message's trace
    }

    [Fact]
    public async Task TransientFailureOnTheLastAttemptEndsFailedWithTheReason()
    {
        var (message, job) = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "transient" });
        var processor = _services.Get<DeliveryProcessor>();
        await processor.HandleAsync(job, CancellationToken.None);
        await processor.HandleAsync(job, CancellationToken.None);
        // The count includes messages hidden for a backoff, which a peek cannot see.
        var retriesQueued = (await DeliveriesOf(message).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        await processor.HandleAsync(job, CancellationToken.None);

        var stored = await Reload(message);
        Assert.Equal(("failed", 3, false), (stored!.Status, stored.Attempts, stored.HasMarker));
        Assert.Contains("after 3 attempts", stored.FailureReason);
        Assert.Contains("upstream answered 503", stored.FailureReason);
        Assert.Equal(2, retriesQueued);
        Assert.Equal(retriesQueued, (await DeliveriesOf(message).GetPropertiesAsync()).Value.ApproximateMessagesCount); // none after the last
    }

    [Fact]
    public async Task PermanentFailureEndsFailedWithoutRetry()
    {
        var (message, job) = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "permanent" });
        await _services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);

        var stored = await Reload(message);
        Assert.Equal("failed", stored!.Status);
        Assert.Contains("recipient is not on the network", stored.FailureReason);
        Assert.Equal(1, _services.Get<ScriptedProvider>().CallsFor(message.Id));
    }

    [Fact]
    public async Task DisabledSessionEndsFailedWithoutCallingTheProvider()
    {
        var (message, job) = await AcceptAsync(enabled: false);
        await _services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);

        Assert.Equal(("failed", "the session is disabled"), ((await Reload(message))!.Status, (await Reload(message))!.FailureReason));
        Assert.Equal(0, _services.Get<ScriptedProvider>().CallsFor(message.Id));
    }

    [Fact]
    public async Task UnexpectedErrorsAreThrownForTheQueueToRetry()
    {
        var (message, job) = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "crash" });
        await Assert.ThrowsAsync<InvalidOperationException>(() => _services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None));
        Assert.Equal("queued", (await Reload(message))!.Status);
    }

    [Fact]
    public async Task JobsForUnknownMessagesAndGarbageAreDropped()
    {
        var processor = _services.Get<DeliveryProcessor>();
        var unknown = MessageId.New("nobody", DateTimeOffset.UtcNow);
        string[] bodies = [QueueMessages.Serialize(new DeliveryJob(unknown)), "not json", """{"id":"msg_bad"}""", "{}"];
        foreach (var body in bodies)
            await processor.HandleAsync(body, CancellationToken.None); // returns: the queue deletes the job instead of retrying it

        Assert.Equal(0, _services.Get<ScriptedProvider>().CallsFor(unknown.Value));
        Assert.Null(await _services.Get<MessageStore>().FindAsync(unknown));
        Assert.Single(_services.Logs.Lines, l => l.Contains("unknown message") && l.Contains(unknown.Value));
        Assert.Equal(3, _services.Logs.Lines.Count(l => l.StartsWith("Error") && l.Contains("Dropped a queue message that is not a valid DeliveryJob")));
    }

    [Fact]
    public async Task PoisonHandlerMarksTheMessageFailedUnlessItMovedOn()
    {
        var (message, job) = await AcceptAsync();
        var poison = _services.Get<DeliveryFailedHandler>();
        await poison.HandleAsync(job, CancellationToken.None);
        var stored = await Reload(message);
        Assert.Equal(("failed", DeliveryFailedHandler.Reason), (stored!.Status, stored.FailureReason));

        var (read, readJob) = await AcceptAsync();
        await _services.Get<ChatSend.Receipts.ReceiptHandler>().ApplyAsync(new ChatSend.Receipts.Receipt(read.MessageId, MessageStatus.Read));
        await poison.HandleAsync(readJob, CancellationToken.None);
        Assert.Equal("read", (await Reload(read))!.Status);
    }
}
