using Azure;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Storage;
using ChatSend.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Delivery;

/// <summary>
/// Every row change the delivery path makes, each one ETag-guarded and written with its work-marker change in one
/// transaction: claim (the marker left as it is), release (marker due after the backoff), and the ends of the
/// work (sent, failed, or already moved on), which remove the marker.
/// </summary>
public sealed partial class DeliveryRecorder(MessageStore messages, ProviderMessageIndex index, ChatLines lines, IOptions<DeliveryOptions> options,
    TimeProvider time, ILogger<DeliveryRecorder> logger)
{
    private static readonly TimeSpan SentRetryBudget = TimeSpan.FromSeconds(30);

    /// <summary>Claims <paramref name="message"/> as read, under <paramref name="claimId"/>; throws a 412 when it changed since.</summary>
    public async Task ClaimAsync(MessageEntity message, DateTimeOffset now, string claimId, CancellationToken cancellationToken)
    {
        var lease = now + options.Value.ClaimLease;
        message.Advance(MessageStatus.Queued, now); // a scheduled message whose time has come
        message.Attempts++;
        message.ClaimId = claimId;
        message.ClaimedUntil = lease;
        // The marker stays as it is: it falls due within SweepAfter of this claim anyway (accept, release and defer all
        // set it so), and the job the sweeper then queues waits out the lease before it judges a dead attempt. So the
        // claim is one entity's write, not a transaction.
        // A send that waited its turn in its chat may have had its marker moved far out: the claim brings it back.
        await messages.WriteAsync(message, message.HasMarker && !message.InLine ? MarkerChange.Keep : MarkerChange.DueAt(lease + TimeSpan.FromSeconds(5)),
            cancellationToken);
    }

    /// <summary>
    /// Hands a claimed message back to wait for its pace: the claim goes and the attempt is given back (no provider
    /// was called), the row says when it is expected to go, and its marker is due then should the waiting job be lost.
    /// </summary>
    public Task DeferAsync(MessageEntity claimed, DateTimeOffset expectedAt, CancellationToken cancellationToken) =>
        messages.UpdateAsync(claimed, m =>
        {
            if (m.ClaimId != claimed.ClaimId)
                return null;
            (m.ClaimId, m.ClaimedUntil, m.ExpectedAt) = (null, null, expectedAt);
            m.Attempts--;
            return MarkerChange.DueAt(expectedAt + options.Value.SweepAfter);
        }, cancellationToken);

    /// <summary>Lets go of the claim after a failed attempt; the next attempt is due after <paramref name="delay"/>.</summary>
    public Task ReleaseAsync(MessageEntity claimed, TimeSpan delay, CancellationToken cancellationToken) =>
        messages.UpdateAsync(claimed, m =>
        {
            if (m.ClaimId != claimed.ClaimId)
                return null;
            (m.ClaimId, m.ClaimedUntil) = (null, null);
            return MarkerChange.DueAt(time.GetUtcNow() + delay + options.Value.SweepAfter);
        }, cancellationToken);

    /// <summary>
    /// Ends the message <c>failed</c>: for the attempt holding <paramref name="claimId"/>, only while it still does; for
    /// anyone else, only while no attempt holds a live claim (that attempt's answer decides). False when it did not.
    /// </summary>
    public async Task<bool> FailAsync(MessageEntity message, string reason, FailureCategory category, CancellationToken cancellationToken,
        string? claimId = null)
    {
        var failed = false;
        await messages.UpdateAsync(message, m =>
        {
            var now = time.GetUtcNow();
            if (claimId is not null ? m.ClaimId != claimId : m.ClaimId is not null && m.ClaimedUntil > now)
                return null;
            failed = m.Advance(MessageStatus.Failed, now, reason);
            return End(m, failed);
        }, cancellationToken);
        if (failed)
        {
            ChatSendTelemetry.RecordFailed(category);
            LogFailed(message.Id, reason);
        }
        return failed;
    }

    /// <summary>Lets go of the claim when the attempt stopped before calling the provider; a failure here only delays the next one.</summary>
    public async Task TryReleaseAsync(MessageEntity claimed)
    {
        try
        {
            await ReleaseAsync(claimed, TimeSpan.Zero, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogReleaseFailed(claimed.Id, ex.Message);
        }
    }

    /// <summary>
    /// For a message that moved on without this job (a receipt, a cancel): clears a stale claim and marker, and passes its
    /// turn in its chat on if it holds it (a send canceled while it waited, whose turn has come).
    /// </summary>
    public async Task FinishAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        var row = message.HasMarker || message.ClaimId is not null
            ? await messages.UpdateAsync(message, m => End(m, moved: false), cancellationToken)
            : message;
        if (row is { InLine: true, DeliveryOver: true })
            await lines.PassOnAsync(row, cancellationToken);
    }

    /// <summary>
    /// Records the provider's answer in place, retrying through storage outages for a while rather than re-running
    /// the job (which would call the provider again). A receipt that got there first is kept; only the provider's id
    /// and the end of the claim are added then. For a provider that reports by its own id, the entry that leads that id to
    /// the message (<see cref="ProviderMessageIndex"/>) is written in the same transaction, so it exists exactly when the
    /// message reads <c>sent</c>; a callback that comes sooner is tried again until it does. The write starts from the
    /// claim's ETag, so it reads the row again only when something changed it meanwhile.
    /// </summary>
    public async Task<MessageEntity> RecordSentAsync(MessageEntity claimed, IChannelProvider provider, string providerMessageId)
    {
        var deadline = time.GetUtcNow() + SentRetryBudget;
        var delay = TimeSpan.FromMilliseconds(200);
        var entry = provider.ReportsByProviderId ? MessageStore.ProviderIdEntry(claimed.MessageId, provider.Name, providerMessageId) : null;
        while (true)
        {
            try
            {
                var row = await messages.UpdateAsync(claimed, m =>
                {
                    if (m.ClaimId != claimed.ClaimId)
                        return null; // written already by an earlier try whose answer was lost (its entry with it)
                    m.ProviderMessageId ??= providerMessageId;
                    return End(m, m.Advance(MessageStatus.Sent, time.GetUtcNow()));
                }, entry, CancellationToken.None);
                if (entry is not null && row?.ProviderMessageId == providerMessageId)
                    index.Written(provider.Name, providerMessageId, claimed.MessageId);
                return row ?? claimed;
            }
            catch (Exception ex) when (StorageFailure.IsStorageFailure(ex) && time.GetUtcNow() < deadline)
            {
                LogSentRetry(claimed.Id, ex.Message);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static MarkerChange? End(MessageEntity m, bool moved)
    {
        if (!moved && !m.HasMarker && m.ClaimId is null)
            return null;
        (m.ClaimId, m.ClaimedUntil) = (null, null);
        return MarkerChange.Remove;
    }

    [LoggerMessage(LogLevel.Warning, "Message {MessageId} failed: {Reason}")]
    private partial void LogFailed(string messageId, string reason);

    [LoggerMessage(LogLevel.Warning, "The claim on message {MessageId} could not be let go ({Reason}); the next attempt waits out its lease")]
    private partial void LogReleaseFailed(string messageId, string reason);

    [LoggerMessage(LogLevel.Warning, "Recording that message {MessageId} was sent failed ({Reason}); trying again")]
    private partial void LogSentRetry(string messageId, string reason);
}

/// <summary>
/// Handles a job the queue gave up on after its last dequeue: the message ends <c>failed</c>; a customer's message keeps
/// its status and is settled without its file (<c>media.error</c>).
/// </summary>
public sealed class DeliveryFailedHandler(DeliveryRecorder recorder, MessageStore messages, Inbound.InboundMediaFetcher inboundMedia,
    ILogger<DeliveryFailedHandler> logger)
    : Queues.QueueHandler<DeliveryJob>(logger)
{
    public const string Reason = "delivery gave up: the job failed on every attempt and was moved to the poison queue";

    public override async Task HandleAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        if (await messages.FindAsync(job.Id, cancellationToken) is not { } message)
            return;
        if (message.IsInbound)
            await inboundMedia.GiveUpAsync(message, Inbound.InboundMediaFetcher.PoisonedReason, cancellationToken);
        else
            await recorder.FailAsync(message, Reason, FailureCategory.Poisoned, cancellationToken);
    }
}
