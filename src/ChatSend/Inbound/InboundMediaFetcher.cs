using ChatSend.Delivery;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Inbound;

/// <summary>
/// Fetches the file of a customer's message once, and never loses the message. <see cref="InboundRecorder"/> records
/// the message with its provider's reference (<see cref="MessageEntity.ProviderMedia"/>) and a work marker in one
/// transaction and queues a job on the deliveries queue; <see cref="DeliveryProcessor"/> hands the job of an inbound row
/// here. The file is opened through the session's provider (<see cref="IInboundMediaSource"/>) and staged under the
/// outbound rules and limits (<see cref="MediaStager"/>) as the blob named by the message id, so a repeated job writes
/// the same blob; then one ETag-guarded write settles the row: the media fields set, the reference cleared, the marker
/// removed and the held events recorded. A transient failure moves the marker and queues the next attempt after the
/// delivery backoff; after <see cref="DeliveryOptions.MaxAttempts"/>, on a permanent failure, or for a file the rules
/// refuse, the row is settled with <see cref="MessageEntity.MediaError"/>. A lost job comes back through the sweeper
/// (the marker); a job that keeps failing on storage ends in the poison queue, which settles the row with an error too.
/// </summary>
public sealed partial class InboundMediaFetcher(
    MessageStore messages,
    SessionStore sessions,
    IEnumerable<IInboundMediaSource> sources,
    MediaStager stager,
    DeliveryQueue queue,
    IOptions<DeliveryOptions> delivery,
    IOptions<MediaOptions> media,
    TimeProvider time,
    ILogger<InboundMediaFetcher> logger)
{
    /// <summary>The field refusals name; a customer's file has none of its own.</summary>
    public const string Field = "media";

    public const string PoisonedReason = "the file could not be fetched: its job failed on every attempt and was moved to the poison queue";

    private readonly Dictionary<string, IInboundMediaSource> _sources = sources.ToDictionary(s => s.Provider, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// How long after a fetch may start its marker falls due: the whole fetch may take the media timeout, and then the
    /// sweeper waits its usual while, so a running fetch never gets a second job beside it.
    /// </summary>
    public TimeSpan FetchWindow => media.Value.Timeout + delivery.Value.SweepAfter;

    public DateTimeOffset MarkerDue(DateTimeOffset from) => from + FetchWindow;

    /// <summary>Queues the fetch of a message just recorded; if the put fails, the sweeper queues it when the marker is due.</summary>
    public async Task QueueAsync(MessageEntity message, TimeSpan? delay = null)
    {
        try
        {
            await queue.EnqueueAsync(DeliveryJob.For(message), delay, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogQueueFailed(message.Id, StorageFailure.Describe(ex));
        }
    }

    /// <summary>Handles a job for a customer's message; returns what happened, for logs and tests.</summary>
    public async Task<string> FetchAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        if (message.ProviderMedia is not { } reference)
        {
            // Settled already (a repeated or swept job): only a marker left by an older write would remain.
            if (message.HasMarker)
                await messages.UpdateAsync(message, m => m.HasMarker && !m.MediaPending ? MarkerChange.Remove : null, cancellationToken);
            return "skipped";
        }
        var session = await sessions.FindAsync(message.Session, cancellationToken);
        if (session is null)
            return await GiveUpAsync(message, "the file could not be fetched: the session no longer exists", cancellationToken);
        if (!_sources.TryGetValue(session.Provider, out var source))
            return await GiveUpAsync(message, $"the file could not be fetched: ChatSend cannot fetch files from provider '{session.Provider}'",
                cancellationToken);

        StagedMedia staged;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(media.Value.Timeout);
            try
            {
                staged = await StageAsync(source, session, message, reference, timeout.Token);
            }
            catch (Exception ex) when (Failure.Of(ex, timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                                           ? media.Value.Timeout : (TimeSpan?)null) is { } failure)
            {
                return await FailedAsync(message, failure, cancellationToken);
            }
        }
        var row = await messages.UpdateAsync(message, m =>
        {
            if (!m.MediaPending)
                return null; // another job settled it meanwhile
            (m.MediaBlob, m.MimeType, m.FileName, m.MediaLength, m.MediaSha256) =
                (staged.BlobName, staged.MimeType, staged.FileName, staged.Length, staged.Sha256);
            (m.ProviderMedia, m.MediaError) = (null, null);
            m.ReachAgain();
            return MarkerChange.Remove;
        }, cancellationToken);
        LogStaged(message.Id, staged.MimeType, staged.Length);
        return row is null ? "gone" : "staged";
    }

    /// <summary>
    /// Settles the message without its file, with <paramref name="reason"/> (its session or provider gone, its job poisoned),
    /// and removes a file an earlier attempt may have staged; "skipped" when it was settled already.
    /// </summary>
    public async Task<string> GiveUpAsync(MessageEntity message, string reason, CancellationToken cancellationToken)
    {
        var settled = false;
        await messages.UpdateAsync(message, m =>
        {
            settled = m.MediaPending; // decided again on each try: a try refused for a change meanwhile does not count
            if (!settled)
                return null;
            Settle(m, reason);
            return MarkerChange.Remove;
        }, cancellationToken);
        if (!settled)
            return "skipped";
        LogGaveUp(message.Id, reason);
        try
        {
            await stager.DeleteAsync(MediaStager.BlobNameFor(message.MessageId)); // staged by an attempt whose settling write never landed
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogBlobKept(message.Id, StorageFailure.Describe(ex)); // the lifecycle rule removes it
        }
        return "failed";
    }

    private async Task<StagedMedia> StageAsync(IInboundMediaSource source, Session session, MessageEntity message, string reference,
        CancellationToken cancellationToken)
    {
        await using var file = await source.OpenAsync(session, reference, cancellationToken);
        var named = file.FileName is { } name ? MediaFormats.FromExtension(name) : null;
        return await stager.StageAsync(new MediaFile(file.Content, Field)
        {
            DeclaredLength = file.Length,
            MimeType = MediaDownloader.Useful(file.MimeType) ?? named,
            FileNames = [file.FileName],
        }, message.MessageType, message.MessageId, MediaStager.BlobNameFor(message.MessageId), cancellationToken);
    }

    /// <summary>A failed attempt: counted on the row; the next one after the backoff, or the message settled with the reason.</summary>
    private async Task<string> FailedAsync(MessageEntity message, Failure failure, CancellationToken cancellationToken)
    {
        var o = delivery.Value;
        var (attempt, delay, settled) = (0, TimeSpan.Zero, false);
        var row = await messages.UpdateAsync(message, m =>
        {
            (attempt, settled) = (0, false); // decided again on each try: a try refused for a change meanwhile does not count
            if (!m.MediaPending)
                return null;
            attempt = ++m.Attempts;
            settled = !failure.Transient || attempt >= o.MaxAttempts;
            if (settled)
            {
                Settle(m, failure.Transient ? $"the file could not be fetched after {attempt} attempts: {failure.Reason}" : failure.Reason);
                return MarkerChange.Remove;
            }
            delay = o.BackoffFor(attempt, failure.RetryAfter);
            return MarkerChange.DueAt(MarkerDue(time.GetUtcNow() + delay));
        }, cancellationToken);
        if (row is null)
            return "gone";
        if (attempt == 0)
            return "skipped"; // settled by another job meanwhile
        if (settled)
        {
            LogGaveUp(message.Id, row.MediaError ?? failure.Reason);
            return "failed";
        }
        LogRetrying(message.Id, attempt, failure.Reason, delay);
        await QueueAsync(row, delay);
        return "retrying";
    }

    private static void Settle(MessageEntity m, string reason)
    {
        (m.ProviderMedia, m.MediaError) = (null, reason);
        m.ReachAgain();
    }

    /// <summary>Why an attempt failed, in words for the message's <c>media.error</c>, and whether another may succeed.</summary>
    private sealed record Failure(string Reason, bool Transient, TimeSpan? RetryAfter = null)
    {
        /// <summary>The failures of the source or the file; null for storage's own (thrown, so the queue tries the job again) and for bugs.</summary>
        /// <param name="timedOut">the media timeout, when it ran out (as opposed to the job being stopped)</param>
        public static Failure? Of(Exception exception, TimeSpan? timedOut) => exception switch
        {
            OperationCanceledException when timedOut is { } timeout => new($"timed out after {timeout.TotalSeconds:0.#} s fetching the file", true),
            ProviderException ex => new(ex.Message, ex.IsTransient, ex.RetryAfter),
            MediaException { Status: 413 } ex => new("the file " + ex.Message, false),
            MediaException ex => new(ex.Message, ex.IsTransient),
            // The file's own stream (the storage client wraps its failures in RequestFailedException or AggregateException).
            HttpRequestException { InnerException: AddressRefusedException refused } => new(refused.Message, false),
            HttpRequestException ex => new($"the file could not be fetched: {MediaDownloader.Describe(ex)}", true),
            IOException ex => new($"the connection broke while reading the file: {ex.GetBaseException().Message}", true),
            _ => null,
        };
    }

    [LoggerMessage(LogLevel.Information, "File of message {MessageId} staged ({MimeType}, {Length} bytes)")]
    private partial void LogStaged(string messageId, string mimeType, long length);

    [LoggerMessage(LogLevel.Warning, "File of message {MessageId} not fetched (attempt {Attempt}): {Reason}; trying again in {Delay}")]
    private partial void LogRetrying(string messageId, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "File of message {MessageId} given up on: {Reason}")]
    private partial void LogGaveUp(string messageId, string reason);

    [LoggerMessage(LogLevel.Warning, "A file staged for message {MessageId} could not be removed ({Reason}); the media lifecycle rule removes it")]
    private partial void LogBlobKept(string messageId, string reason);

    [LoggerMessage(LogLevel.Warning, "The fetch of message {MessageId}'s file could not be queued ({Reason}); the sweeper queues it when its marker is due")]
    private partial void LogQueueFailed(string messageId, string reason);
}
