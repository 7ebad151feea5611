using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Events;
using ChatSend.Inbound;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Callbacks;
using ChatSend.Queues;
using ChatSend.Receipts;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// A customer's file is fetched once and the message is never lost: recorded with a work marker and its fetch queued,
/// staged under the outbound rules as the blob named by the message id, settled in one write (or given up on with a
/// reason), its <c>received</c> event written then; transient failures retried with backoff, and every storage fault
/// (a lost job, a worker that dies, a settling write that fails or loses its answer) ends with media or media.error.
/// Driven through the handlers on Azurite, with the scripted provider's files (<see cref="ScriptedMediaSource"/>).
/// </summary>
public sealed class InboundMediaFetchTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const int MaxAttempts = 3;
    private const long ImageLimit = 5000;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly RecordingSink _sink = new();
    private readonly ScriptedMediaSource _files = new();
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = Services();
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
        await azurite.Jobs(StorageNames.ReceiptsQueue).ClearAsync();
    }

    private TestServices Services() => new(azurite.ConnectionString, new Dictionary<string, string?>
    {
        ["ChatSend:Delivery:MaxAttempts"] = MaxAttempts.ToString(),
        ["ChatSend:Media:ImageMaxBytes"] = ImageLimit.ToString(),
    }, _clock, s => s.AddSingleton<IEventSink>(_sink).AddSingleton<IInboundMediaSource>(_files));

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private MessageStore Messages => _services.Get<MessageStore>();

    private async Task<Session> FollowedSessionAsync()
    {
        var (session, _) = await _services.NewSessionAsync();
        _sink.Follow(session.Id);
        return session;
    }

    private static InboundReport Report(Session session, MessageType type, string? media, string? text = "a caption") =>
        new(session.Id, "p-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, "+14155550123", "+14155550123", type, text) { Media = media };

    private async Task<MessageEntity> RecordAsync(Session session, string? media, MessageType type = MessageType.Image)
    {
        var (message, recorded) = await _services.Get<InboundRecorder>().RecordAsync(session, ScriptedProvider.ProviderName,
            Report(session, type, media), CancellationToken.None);
        Assert.True(recorded);
        return message;
    }

    private async Task<MessageEntity> ReloadAsync(MessageEntity message) => (await Messages.FindAsync(message.MessageId))!;

    /// <summary>The jobs the message's shard of the deliveries queue holds for it (visible ones), taken off the queue.</summary>
    private async Task<int> TakeJobsAsync(MessageId id)
    {
        var queue = _services.Get<QueueShards>().Of(StorageNames.DeliveriesQueue).For(id.Value);
        var taken = 0;
        foreach (var job in (await queue.ReceiveMessagesAsync(32)).Value)
        {
            if (!QueueMessages.TryRead<DeliveryJob>(job.Body.ToString(), out var read) || read.Id != id)
                continue;
            await queue.DeleteMessageAsync(job.MessageId, job.PopReceipt);
            taken++;
        }
        return taken;
    }

    private Task FetchAsync(MessageEntity message) =>
        _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);

    /// <summary>The events the sinks have for the message once its events job ran (now), in the order they got them.</summary>
    private async Task<IReadOnlyList<MessageStatus>> EventsAsync(MessageEntity message, TestServices? services = null)
    {
        await (services ?? _services).Get<EventDispatcher>().HandleAsync(new EventJob(message.MessageId) { Chat = message.Chat }, CancellationToken.None);
        return _sink.For(message.Id).Select(e => MessageStatuses.Parse(e.Type[MessageEvents.TypePrefix.Length..])).ToList();
    }

    private async Task<bool> MarkerExistsAsync(MessageEntity message) =>
        (await azurite.Clients.Table(StorageNames.MessagesTable).GetEntityIfExistsAsync<TableEntity>(message.PartitionKey,
            MessageRowKeys.MarkerOf(message.MessageId))).HasValue;

    [Fact]
    public async Task AFileIsFetchedOnceStagedUnderTheMessageIdAndSettledWithItsEvent()
    {
        var session = await FollowedSessionAsync();
        var key = Guid.NewGuid().ToString("N");
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(key, size: 4000, filename: "cat.jpg"));

        var pending = await ReloadAsync(message);
        Assert.True(pending.MediaPending && pending.HasMarker && await MarkerExistsAsync(message));
        Assert.Empty(await EventsAsync(message)); // the received event waits for the file
        Assert.Equal(1, await TakeJobsAsync(message.MessageId));

        await FetchAsync(message);
        await FetchAsync(message); // a repeated job

        var row = await ReloadAsync(message);
        var bytes = MediaServer.FileBytes("jpeg", 4000);
        Assert.Equal((MediaStager.BlobNameFor(message.MessageId), "image/jpeg", "cat.jpg", 4000L, MediaServer.Sha256(bytes)),
            (row.MediaBlob, row.MimeType, row.FileName, row.MediaLength, row.MediaSha256));
        Assert.Null(row.ProviderMedia);
        Assert.False(row.HasMarker || await MarkerExistsAsync(message));
        Assert.Equal(1, _files.OpensOf(key));
        var blob = azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer).GetBlobClient(row.MediaBlob);
        Assert.Equal(bytes, (await blob.DownloadContentAsync()).Value.Content.ToArray());

        Assert.Equal([MessageStatus.Received], await EventsAsync(message));
        Assert.Equal([MessageStatus.Received], await EventsAsync(message)); // a repeated job hands on nothing more
        var data = RecordingSink.Data(Assert.Single(_sink.For(message.Id)));
        Assert.Equal($"/messages/{message.Id}/media", (string?)data["media"]!["url"]);
        Assert.Equal("received", (string?)data["status"]);
    }

    [Fact]
    public async Task AMessageWithoutAFileHasNoMarkerAndItsEventAtOnce()
    {
        var session = await FollowedSessionAsync();
        var message = await RecordAsync(session, media: null, MessageType.Text);

        Assert.False((await ReloadAsync(message)).HasMarker);
        Assert.Equal([MessageStatus.Received], await EventsAsync(message));
        Assert.Equal(0, await TakeJobsAsync(message.MessageId));
    }

    [Fact]
    public async Task ATransientFailureIsTriedAgainAfterABackoffWithTheMarkerMoved()
    {
        var session = await FollowedSessionAsync();
        var key = Guid.NewGuid().ToString("N");
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(key, outcome: "transient", failures: 1));
        var firstDue = (await Messages.DueMarkersAsync(session.Id, _clock.GetUtcNow().AddYears(1)).SingleAsync()).Due;

        await FetchAsync(message);
        var waiting = await ReloadAsync(message);
        Assert.True(waiting.MediaPending);
        Assert.Equal(1, waiting.Attempts);
        Assert.True((await Messages.DueMarkersAsync(session.Id, _clock.GetUtcNow().AddYears(1)).SingleAsync()).Due > firstDue);
        Assert.Empty(await EventsAsync(message));

        await FetchAsync(message); // the next attempt's job
        var row = await ReloadAsync(message);
        Assert.NotNull(row.MediaBlob);
        Assert.Equal(2, _files.OpensOf(key));
    }

    [Fact]
    public async Task AfterMaxAttemptsTheMessageKeepsAnErrorAndItsEvent()
    {
        var session = await FollowedSessionAsync();
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N"), outcome: "transient"));
        for (var i = 0; i < MaxAttempts; i++)
            await FetchAsync(message);

        var row = await ReloadAsync(message);
        Assert.Equal($"the file could not be fetched after {MaxAttempts} attempts: the provider answered 503", row.MediaError);
        Assert.Null(row.MediaBlob);
        Assert.False(row.MediaPending || await MarkerExistsAsync(message));
        Assert.Equal(MessageStatus.Received, row.CurrentStatus); // the message stays; only its file is missing
        Assert.Equal([MessageStatus.Received], await EventsAsync(message));
    }

    [Theory]
    [InlineData("permanent", "jpeg", 1000, "image/jpeg", "image", "the provider no longer has this file")]
    [InlineData("ok", "jpeg", ImageLimit + 1, "image/jpeg", "image", "the file is larger than the 5000-byte limit for image messages")]
    [InlineData("ok", "text", 1000, null, "image", "the file is none of image/jpeg, image/png, image/webp, image/gif")]
    [InlineData("ok", "mp4", 1000, "video/mp4", "image", "the media is video/mp4, not image/*")]
    [InlineData("ok", "png", 1000, "image/png", "sticker", "image/png is not accepted for sticker messages; use image/webp")]
    [InlineData("ok", "png", 1000, "image/jpeg", "image", "the file does not start like image/jpeg")]
    public async Task AFileThatCannotBeHadOrBreaksTheRulesEndsAtOnceWithAReasonAPersonReads(string outcome, string format, long size,
        string? mimetype, string type, string reason)
    {
        var session = await FollowedSessionAsync();
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N"), format, size, mimetype, outcome),
            MessageTypes.Parse(type));
        await FetchAsync(message);

        var row = await ReloadAsync(message);
        Assert.Equal(reason, row.MediaError);
        Assert.Equal(1, row.Attempts); // not tried again
        Assert.False(row.MediaPending || await MarkerExistsAsync(message));
        Assert.Single(await EventsAsync(message));
    }

    [Fact]
    public async Task AConnectionThatDropsMidFileIsTriedAgainAndTheWholeFileStaged()
    {
        var session = await FollowedSessionAsync();
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N"), size: 3000, outcome: "broken", failures: 1));

        await FetchAsync(message);
        Assert.True((await ReloadAsync(message)).MediaPending);
        await FetchAsync(message);

        Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes("jpeg", 3000)), (await ReloadAsync(message)).MediaSha256);
    }

    [Fact]
    public async Task AMarkReadBeforeTheFileIsSettledWaitsAndBothEventsComeInStatusOrder()
    {
        var session = await FollowedSessionAsync();
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        await Messages.UpdateAsync(message.MessageId, m => m.Advance(MessageStatus.Read, DateTimeOffset.UtcNow) ? MarkerChange.Keep : null);
        Assert.Empty(await EventsAsync(message));

        await FetchAsync(message);

        Assert.Equal([MessageStatus.Received, MessageStatus.Read], await EventsAsync(message));
    }

    [Fact]
    public async Task AJobThatCannotBeQueuedIsBroughtBackByTheSweeperOnceTheMarkerIsDue()
    {
        var session = await FollowedSessionAsync();
        for (var i = 0; i < 3; i++) // every try of the put
            _services.Faults.Next(Fault.Refuse, QueueCalls.Put(StorageNames.DeliveriesQueue));
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        Assert.Equal(0, await TakeJobsAsync(message.MessageId));

        await _services.Get<Sweeper>().RunAsync();
        Assert.Equal(0, await TakeJobsAsync(message.MessageId)); // not due while a fetch could still be running
        _clock.Advance(_services.Get<InboundMediaFetcher>().FetchWindow + TimeSpan.FromSeconds(1));
        await _services.Get<Sweeper>().RunAsync();
        Assert.Equal(1, await TakeJobsAsync(message.MessageId));

        await FetchAsync(message);
        Assert.NotNull((await ReloadAsync(message)).MediaBlob);
    }

    [Fact]
    public async Task AWorkerThatDiesRightAfterRecordingLeavesAMarkerTheSweeperFollows()
    {
        var session = await FollowedSessionAsync();
        _services.Faults.Next(Fault.Die, "POST $batch");
        var report = Report(session, MessageType.Image, ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        await Assert.ThrowsAsync<WorkerDied>(() => _services.Get<InboundRecorder>().RecordAsync(session, ScriptedProvider.ProviderName, report, CancellationToken.None));

        // Another instance: no recent copies, the queue and the marker only.
        await using var other = Services();
        var id = (await other.Get<InboundRecorder>().FindAsync(session, ScriptedProvider.ProviderName, report.ProviderMessageId, report.Chat, CancellationToken.None))!.Value;
        _clock.Advance(other.Get<InboundMediaFetcher>().FetchWindow + TimeSpan.FromSeconds(1));
        await other.Get<Sweeper>().RunAsync();
        Assert.Equal(1, await TakeJobsAsync(id));
        await other.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);

        var row = (await other.Get<MessageStore>().FindAsync(id))!;
        Assert.NotNull(row.MediaBlob);
        Assert.Equal([MessageStatus.Received], await EventsAsync(row, other));
    }

    [Fact]
    public async Task ASettlingWriteThatFailsIsRetriedByTheQueueAndStagesTheSameBlob()
    {
        var session = await FollowedSessionAsync();
        var key = Guid.NewGuid().ToString("N");
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(key));
        for (var i = 0; i < 3; i++)
            _services.Faults.Next(Fault.Refuse, "POST $batch");

        await Assert.ThrowsAnyAsync<Exception>(() => FetchAsync(message)); // storage down: the queue hands the job out again
        Assert.True((await ReloadAsync(message)).MediaPending);
        Assert.Equal(0, (await ReloadAsync(message)).Attempts); // not the file's fault: no attempt counted
        await FetchAsync(message);

        var row = await ReloadAsync(message);
        Assert.Equal(MediaStager.BlobNameFor(message.MessageId), row.MediaBlob);
        Assert.Equal(2, _files.OpensOf(key));
        Assert.Single(await EventsAsync(message));
    }

    [Theory]
    [InlineData(Fault.LoseAnswer)]
    [InlineData(Fault.Die)]
    public async Task ASettlingWriteThatLandsWithoutItsAnswerSettlesTheMessageOnce(Fault fault)
    {
        var session = await FollowedSessionAsync();
        var key = Guid.NewGuid().ToString("N");
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(key));
        _services.Faults.Next(fault, "POST $batch");

        try
        {
            await FetchAsync(message);
        }
        catch (WorkerDied)
        {
            await using var other = Services(); // the job comes back to another instance
            await other.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        }

        var row = await ReloadAsync(message);
        Assert.NotNull(row.MediaBlob);
        Assert.False(row.MediaPending || await MarkerExistsAsync(message));
        Assert.Equal(1, _files.OpensOf(key));
        Assert.Single(await EventsAsync(message));
    }

    [Fact]
    public async Task APoisonedJobSettlesTheMessageWithAnErrorInsteadOfFailingIt()
    {
        var session = await FollowedSessionAsync();
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));

        await _services.Get<DeliveryFailedHandler>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);

        var row = await ReloadAsync(message);
        Assert.Equal(InboundMediaFetcher.PoisonedReason, row.MediaError);
        Assert.Equal(MessageStatus.Received, row.CurrentStatus);
        Assert.False(await MarkerExistsAsync(message));
    }

    [Fact]
    public async Task AGiveUpDecidedOnAStaleCopyLosesToTheFetchThatSettledTheFile()
    {
        var session = await FollowedSessionAsync();
        var message = await RecordAsync(session, ScriptedMediaSource.Reference(Guid.NewGuid().ToString("N")));
        var stale = await ReloadAsync(message); // pending, as the poison handler read it
        await FetchAsync(message);

        Assert.Equal("skipped", await _services.Get<InboundMediaFetcher>().GiveUpAsync(stale, InboundMediaFetcher.PoisonedReason, CancellationToken.None));

        var row = await ReloadAsync(message);
        Assert.Null(row.MediaError);
        var blob = azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer).GetBlobClient(row.MediaBlob);
        Assert.True((await blob.ExistsAsync()).Value);
    }

    [Fact]
    public async Task AProviderWithoutASourceLeavesAnErrorRatherThanAPendingFile()
    {
        var (session, _) = await _services.NewSessionAsync(provider: SandboxProvider.ProviderName);
        var message = await RecordAsync(session with { Provider = "nowhere" }, ScriptedMediaSource.Reference("x"));
        await _services.Get<SessionStore>().UpsertAsync(session with { Provider = "nowhere" });

        await FetchAsync(message);

        Assert.Equal("the file could not be fetched: ChatSend cannot fetch files from provider 'nowhere'", (await ReloadAsync(message)).MediaError);
    }
}
