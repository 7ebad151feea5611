using System.Diagnostics;
using System.Text.Json;
using Azure;
using ChatSend.Inbound;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Queues;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Delivery;

/// <summary>
/// Handles one job from the deliveries queue. Before it calls the provider it claims the message (an ETag-guarded
/// write of the attempt, a claim id and a lease; the work marker, due within SweepAfter, stays), so a second
/// job for the message never calls the provider while the claim lives. The provider's answer is recorded in place,
/// retried until it lands. Transient provider errors release the claim and queue the next attempt after a backoff;
/// permanent ones end the message <c>failed</c>. Anything unexpected from the provider leaves the claim in place
/// (whether the message went out is unknown) and is thrown; when the lease runs out, <see cref="DeliveryOptions.UnknownOutcome"/>
/// decides. Storage errors are thrown, so the queue retries the job and after five dequeues moves it to the poison queue.
/// A job for a customer's message fetches its file instead (<see cref="InboundMediaFetcher"/>): the queue, the work
/// marker and the sweeper that bring a delivery back bring a fetch back too.
/// </summary>
public sealed partial class DeliveryProcessor(
    MessageStore messages,
    SessionStore sessions,
    ChannelProviders providers,
    DeliveryQueue queue,
    MediaLinks mediaLinks,
    DeliveryRecorder recorder,
    SessionPacer pacer,
    InboundMediaFetcher inboundMedia,
    Chats.ChatWindows windows,
    ChatLines lines,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveryProcessor> logger) : QueueHandler<DeliveryJob>(logger)
{
    public override async Task HandleAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        ChatSendTelemetry.RecordQueueAge(StorageNames.DeliveriesQueue, job.VisibleAt, time.GetUtcNow());
        // This instance's copy from /send or an earlier attempt saves a read when it is still current (the claim's ETag
        // proves it); otherwise the row is read once, here, and the claim starts from it.
        var recent = messages.Recent(job.Id);
        var first = new FirstRead(recent ?? await messages.FindAsync(job.Id, cancellationToken), FromStorage: recent is null);
        if (first.Row is { IsInbound: true } inbound)
        {
            await inboundMedia.FetchAsync(inbound, cancellationToken); // a customer's message: a file to fetch, nothing to deliver
            return;
        }
        using var activity = ChatSendTelemetry.StartMessageHop(ChatSendTelemetry.Spans.Deliver, job.Id, job.Trace ?? first.Row?.Trace);
        var outcome = await DeliverAsync(job, first, activity, cancellationToken);
        activity?.SetTag(ChatSendTelemetry.Tags.Outcome, outcome);
    }

    /// <summary>The row as the job first found it: this instance's recent copy (maybe stale), or as stored (null: none).</summary>
    private readonly record struct FirstRead(MessageEntity? Row, bool FromStorage);

    /// <summary>Delivers the message if it is due; returns what happened, for the span.</summary>
    private async Task<string> DeliverAsync(DeliveryJob job, FirstRead first, Activity? activity, CancellationToken cancellationToken)
    {
        var claimed = await ClaimAsync(job, first, cancellationToken);
        if (claimed is not var (message, session, provider))
            return "skipped";
        activity?.SetTag(ChatSendTelemetry.Tags.Attempt, message.Attempts).SetTag(ChatSendTelemetry.Tags.Provider, provider.Name);
        if (await WindowAsync(message, session, provider, cancellationToken) is { } closed)
        {
            await recorder.FailAsync(message, closed, FailureCategory.ProviderRefused, cancellationToken, claimId: message.ClaimId);
            return "failed";
        }
        OutboundMessage outbound;
        DateTimeOffset? freeAt;
        try
        {
            outbound = await ToOutboundAsync(message, cancellationToken);
            // The session's pace is taken last, right before the provider sees the send, so the two times agree.
            freeAt = await pacer.TryTakeAsync(session, provider.Pacing, message.Recipient, cancellationToken);
        }
        catch (Exception)
        {
            await recorder.TryReleaseAsync(message); // nothing went out: no need to wait out the lease
            throw;
        }
        if (freeAt is { } at)
        {
            // Not an attempt: the message waits its turn, and its row says when that is.
            await recorder.DeferAsync(message, at, cancellationToken);
            await RequeueAsync(message, at - time.GetUtcNow());
            LogPaced(message.Id, at);
            return "paced";
        }
        return await SendAsync(message, session, provider, outbound, cancellationToken);
    }

    public const string WindowClosedReason = "window closed: the customer's 24-hour window closed before the message's sendAt";

    /// <summary>
    /// A scheduled free-form message was checked for its sendAt when accepted; the customer's window may have closed since
    /// (Meta's 131047). Then it goes as its fallbackTemplate (the row becomes that template here, and its sent or failed
    /// write records it), or ends failed: the reason, or null when it goes.
    /// </summary>
    private async Task<string?> WindowAsync(MessageEntity message, Session session, IChannelProvider provider, CancellationToken cancellationToken)
    {
        if (message.SendAt is null || message.MessageType == MessageType.Template || !Chats.ChatWindows.Enforced(session, provider))
            return null;
        var now = time.GetUtcNow();
        if ((await windows.ForSendAsync(message.PartitionKey, message.ChatOrRecipient, now, cancellationToken)).IsOpenAt(now))
            return null;
        if (message.FallbackTemplate is not { Length: > 0 } json || JsonSerializer.Deserialize<Templates.SendTemplate>(json) is not { } fallback)
            return WindowClosedReason;
        IReadOnlyList<Templates.MessageTemplate> catalog;
        try
        {
            catalog = await provider.GetTemplatesAsync(session, refresh: false, cancellationToken);
        }
        catch (ProviderException ex) when (!ex.IsTransient)
        {
            return $"{WindowClosedReason}, and its fallbackTemplate could not be checked: {ex.Message}";
        }
        var found = Templates.TemplateCheck.Find(catalog, fallback);
        if (found is null || Templates.TemplateCheck.Parameters(found, fallback) is { } _)
            return $"{WindowClosedReason}, and its fallbackTemplate '{fallback.Name}' ({fallback.Language}) is not an approved template its values fit";
        (message.MessageType, message.Template, message.Text, message.Preview, message.Content, message.Fallback) =
            (MessageType.Template, json, null, null, found.Fill(fallback), true);
        (message.MediaBlob, message.MimeType, message.FileName, message.MediaLength, message.MediaSha256) = (null, null, null, null, null); // the free-form file is not the template's
        return null;
    }

    private async Task<string> SendAsync(MessageEntity message, Session session, IChannelProvider provider, OutboundMessage outbound,
        CancellationToken cancellationToken)
    {
        var o = options.Value;
        ProviderReceipt receipt;
        try
        {
            receipt = await ProviderCall.SendAsync(provider, outbound, session, message.Attempts);
        }
        catch (ProviderException ex) when (ex.IsTransient && message.Attempts < o.MaxAttempts)
        {
            var delay = o.BackoffFor(message.Attempts, ex.RetryAfter);
            LogRetrying(provider.Name, message.Id, message.Attempts, ex.Message, delay);
            await recorder.ReleaseAsync(message, delay, cancellationToken);
            await RequeueAsync(message, delay);
            return "retrying";
        }
        catch (ProviderException ex)
        {
            // Meta's 131047: the chat's window is closed, whatever happens to this write (a retried job finds the message failed).
            if (ex.ClosesWindow)
                await windows.CloseAsync(message.PartitionKey, message.ChatOrRecipient, time.GetUtcNow(), cancellationToken);
            await recorder.FailAsync(message, ex.IsTransient
                ? $"provider {provider.Name} still failing after {message.Attempts} attempts: {ex.Message}"
                : $"provider {provider.Name} refused the message: {ex.Message}",
                ex.IsTransient ? FailureCategory.ProviderUnavailable : FailureCategory.ProviderRefused, cancellationToken, claimId: message.ClaimId);
            return "failed";
        }
        var row = await recorder.RecordSentAsync(message, provider, receipt.ProviderMessageId);
        ProviderCall.RecordSent(provider.Name, message, time.GetUtcNow());
        LogSent(message.Id, Recipient.Mask(message.Recipient), provider.Name, row.Status);
        return "sent";
    }

    private enum Next
    {
        Finish,
        WaitForSendAt,
        WaitForOtherClaim,
        Claim,
        ClaimAfterUnknownOutcome,
        FailUnknownOutcome,
    }

    /// <summary>Takes the message for this attempt, or returns null when there is nothing to send now.</summary>
    private async Task<(MessageEntity, Session, IChannelProvider)?> ClaimAsync(DeliveryJob job, FirstRead first, CancellationToken cancellationToken)
    {
        var claimId = Guid.NewGuid().ToString("N");
        for (var attempt = 0; ; attempt++)
        {
            // A recent copy may be stale: anything but a plain claim is decided on the row as stored.
            var recent = attempt == 0 && !first.FromStorage ? first.Row : null;
            var message = attempt == 0 ? first.Row : await messages.FindAsync(job.Id, cancellationToken);
            if (message is null)
            {
                // The send request removed its row after its transaction looked failed: nothing to deliver.
                await messages.RemoveMarkerAsync(job.Id, cancellationToken);
                LogUnknownMessage(job.Id.Value);
                return null;
            }
            var session = await sessions.FindAsync(job.Id.Session, cancellationToken);
            var provider = session is { Enabled: true } ? providers.Find(session.Provider) : null;
            if (job.Turn is { } turn && turn.Number == message.LineNumber)
                message.Turn = turn;
            if (message.ClaimId == claimId && provider is not null)
                return (message, session!, provider); // our claim landed; only its answer was lost

            var now = time.GetUtcNow();
            var next = Decide(message, now);
            var claimable = next is Next.Claim or Next.ClaimAfterUnknownOutcome && message.Attempts < options.Value.MaxAttempts && provider is not null;
            if (recent is not null && !(claimable && next == Next.Claim))
                continue;
            if (!claimable)
            {
                await StopAsync(message, next, session, now, cancellationToken);
                return null;
            }
            if (message.InLine || message is { KeepsOrder: true, LineNumber: null })
            {
                // In its chat's order only the send whose turn it is goes; the one before it queues its job when it ends.
                TurnCheck check;
                try
                {
                    check = await lines.TakeTurnAsync(message, job.Turn, cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 5)
                {
                    continue;
                }
                if (check.Holding is not { } holding)
                {
                    // Its marker only has to bring it should the job the send before it queues be lost: the further back
                    // in the line, the less often it looks (at most every 15 SweepAfters), so a long line costs little.
                    await messages.PostponeMarkerAsync(message.MessageId, now + options.Value.SweepAfter * Math.Clamp(check.Ahead, 1, 15), cancellationToken);
                    LogWaitsItsTurn(message.Id, message.LineNumber, check.Ahead);
                    return null;
                }
                message = holding;
            }
            try
            {
                await recorder.ClaimAsync(message, now, claimId, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 5)
            {
                continue; // changed since it was read (a receipt, a cancel, another worker, or our own write): look again
            }
            if (next == Next.ClaimAfterUnknownOutcome)
            {
                ChatSendTelemetry.UnknownOutcomes.Add(1);
                LogUnknownOutcome(message.Id, message.Attempts - 1, "sending again; the recipient may get it twice (UnknownOutcome=Resend)");
            }
            return (message, session!, provider!);
        }
    }

    /// <summary>Whether this job may claim the message now, judged on the row alone.</summary>
    private Next Decide(MessageEntity message, DateTimeOffset now) =>
        message.CurrentStatus is not (MessageStatus.Queued or MessageStatus.Scheduled) ? Next.Finish
        : message.CurrentStatus == MessageStatus.Scheduled && message.SendAt > now ? Next.WaitForSendAt
        : message.ClaimId is null ? Next.Claim
        : message.ClaimedUntil > now ? Next.WaitForOtherClaim
        : options.Value.UnknownOutcome == UnknownOutcomePolicy.Resend ? Next.ClaimAfterUnknownOutcome
        : Next.FailUnknownOutcome;

    /// <summary>When the message cannot be claimed now: it waits (queued again), or this job finishes or fails it.</summary>
    private async Task StopAsync(MessageEntity message, Next next, Session? session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        switch (next)
        {
            case Next.Finish:
                await recorder.FinishAsync(message, cancellationToken);
                LogSkipped(message.Id, message.Status);
                return;
            case Next.WaitForSendAt:
                await RequeueAsync(message, message.SendAt!.Value - now);
                return;
            case Next.WaitForOtherClaim:
                LogHeldElsewhere(message.Id, message.ClaimedUntil!.Value);
                await RequeueAsync(message, message.ClaimedUntil.Value - now + TimeSpan.FromSeconds(1));
                return;
            case Next.FailUnknownOutcome:
                if (await recorder.FailAsync(message, "delivery outcome unknown: the attempt stopped during the provider call and was not repeated",
                        FailureCategory.UnknownOutcome, cancellationToken))
                {
                    ChatSendTelemetry.UnknownOutcomes.Add(1);
                    LogUnknownOutcome(message.Id, message.Attempts, "failing it (UnknownOutcome=Fail)");
                }
                return;
        }
        // Claimable but for the attempts or the session.
        await recorder.FailAsync(message, message.Attempts >= options.Value.MaxAttempts ? $"delivery gave up after {message.Attempts} attempts"
            : session is null ? "the session no longer exists"
            : !session.Enabled ? "the session is disabled"
            : $"the session's provider '{session.Provider}' is not available",
            message.Attempts >= options.Value.MaxAttempts ? FailureCategory.AttemptsExhausted : FailureCategory.SessionUnusable, cancellationToken);
    }

    // The marker is due when this job would be: if the put fails, the sweeper queues the job instead. The job keeps
    // the message's trace, so every attempt hangs off the send.
    private async Task RequeueAsync(MessageEntity message, TimeSpan delay)
    {
        try
        {
            await queue.EnqueueAsync(DeliveryJob.For(message), delay, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogRequeueFailed(message.Id, ex);
        }
    }

    // A fresh read-only link for each attempt, so it only has to outlive one provider call.
    private async Task<OutboundMessage> ToOutboundAsync(MessageEntity m, CancellationToken cancellationToken) => new(
        m.MessageId, m.MessageType, m.Sender, m.Recipient, m.Text,
        m.Preview is { Length: > 0 } preview ? JsonSerializer.Deserialize<Dictionary<string, string>>(preview) : null,
        m.MediaBlob is { } blob
            ? new OutboundMedia(await mediaLinks.ReadUrlAsync(blob, cancellationToken), m.MimeType!, m.FileName!, m.MediaLength ?? 0, m.MediaSha256!)
            : null)
    {
        QuotedProviderId = m.ReplyToProviderId,
        Template = m.Template is { Length: > 0 } template ? JsonSerializer.Deserialize<Templates.SendTemplate>(template) : null,
    };

    [LoggerMessage(LogLevel.Information, "Message {MessageId} waits for its session's pace; expected to go at {ExpectedAt}")]
    private partial void LogPaced(string messageId, DateTimeOffset expectedAt);

    [LoggerMessage(LogLevel.Information, "Message {MessageId} waits for its turn in its chat (number {Number}, {Ahead} before it); the send before it queues it")]
    private partial void LogWaitsItsTurn(string messageId, long? number, long ahead);

    [LoggerMessage(LogLevel.Warning, "Delivery job for unknown message {MessageId} dropped")]
    private partial void LogUnknownMessage(string messageId);

    [LoggerMessage(LogLevel.Information, "Message {MessageId} is already {Status}; delivery job skipped")]
    private partial void LogSkipped(string messageId, string status);

    [LoggerMessage(LogLevel.Information, "Message {MessageId} is held by another delivery attempt until {ClaimedUntil}; looking again then")]
    private partial void LogHeldElsewhere(string messageId, DateTimeOffset claimedUntil);

    [LoggerMessage(LogLevel.Warning, "Message {MessageId}: attempt {Attempt} stopped during the provider call without recording an outcome; {Action}")]
    private partial void LogUnknownOutcome(string messageId, int attempt, string action);

    [LoggerMessage(LogLevel.Warning, "Provider {Provider} failed for message {MessageId} (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    private partial void LogRetrying(string provider, string messageId, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "The next job for message {MessageId} could not be queued; the sweeper queues it when its marker is due")]
    private partial void LogRequeueFailed(string messageId, Exception exception);

    [LoggerMessage(LogLevel.Information, "Message {MessageId} to {Recipient} sent through {Provider}; now {Status}")]
    private partial void LogSent(string messageId, string recipient, string provider, string status);
}
