using ChatSend.Telemetry;
using ChatSend.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

/// <summary>
/// Posts a job's events to its endpoint in order, each signed, and records every attempt in the endpoint's log and
/// health. The first event that fails with something worth retrying (timeout, no connection, refused address, 408,
/// 409, 429, 5xx) goes back on the queue with the events after it, after <see cref="WebhookDeliveryPolicy.DelayFor"/>,
/// until <see cref="WebhookOptions.RetryFor"/> after the first attempt; other answers are not retried. An endpoint
/// failing for RetryFor, or answering 410 Gone, is disabled. A deleted or disabled endpoint's jobs are dropped.
/// Storage errors are thrown: the queue retries the job (events already delivered may come again, with the same
/// <c>webhook-id</c>), and after five dequeues it goes to the poison queue (<see cref="WebhookDeliveryFailedHandler"/>).
/// A chat's received events wait for their turn (<see cref="WebhookChatCursors"/>): a job whose first event the endpoint
/// is not owed yet goes back on the queue, a little longer each time, until the events before it are settled, or for at
/// most the retry window from its first attempt, the longest those events can be tried.
/// </summary>
public sealed partial class WebhookDeliveryHandler(
    IWebhookEndpoints endpoints,
    IWebhookLog log,
    WebhookDeliveryClient client,
    WebhookDeliveryQueue queue,
    WebhookDeliveryGate gate,
    WebhookOrder order,
    WebhookChatCursors cursors,
    WebhookDeliveryPolicy policy,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDeliveryHandler> logger) : QueueHandler<WebhookDeliveryJob>(logger)
{
    public override async Task HandleAsync(WebhookDeliveryJob job, CancellationToken cancellationToken)
    {
        var endpoint = await endpoints.FindAsync(job.Session, job.Webhook, cancellationToken);
        if (endpoint is not { Enabled: true })
        {
            LogDropped(job.Session, job.Webhook, job.Events.Count, endpoint is null ? "deleted" : "disabled");
            return;
        }
        var key = WebhookDeliveryGate.KeyOf(job.Session, job.Webhook);
        WebhookChatCursors.Cursor? cursor = null;
        if (job.IsOrdered && job.Epoch != endpoint.ChatEpoch)
        {
            // Queued before the endpoint stopped getting received events and started again: not owed any more.
            LogDropped(job.Session, job.Webhook, job.Events.Count, "given received events anew since");
            return;
        }
        if (job.IsOrdered)
        {
            cursor = await cursors.ReadAsync(job.Session, job.Webhook, job.Epoch, job.Chat!, job.Sequence!.Value, cancellationToken);
            // Not its turn yet: the job just before it is often being posted on this instance; wait for it here, briefly.
            if (cursor?.Next < job.Sequence && await order.WaitForAsync(key, WebhookOrder.ChatKey(job.Chat!, job.Sequence.Value - 1), cancellationToken))
                cursor = await cursors.ReadAsync(job.Session, job.Webhook, job.Epoch, job.Chat!, job.Sequence.Value, cancellationToken);
            if (await TakeTurnAsync(job, cursor, cancellationToken) is not { } turn)
                return;
            job = turn;
        }
        else
            await order.WaitForAsync(key, job.After, cancellationToken); // before taking a place, which the earlier job may need
        if (await gate.EnterAsync(key, cancellationToken) is { } wait)
        {
            await queue.EnqueueAsync(job, wait, cancellationToken);
            LogDeferred(job.Session, job.Webhook, wait);
            return;
        }
        int settled;
        try
        {
            settled = job.Events.Count == 0 ? job.LeftOut : await DeliverAsync(endpoint, job, key, cancellationToken);
        }
        finally
        {
            gate.Exit(key);
        }
        if (job.IsOrdered && settled > 0)
        {
            var next = job.Sequence!.Value + settled;
            await cursors.AdvanceAsync(job.Session, job.Webhook, job.Epoch, job.Chat!, cursor, next, cancellationToken);
            order.Delivered(key, WebhookOrder.ChatKey(job.Chat!, next - 1));
        }
    }

    /// <summary>
    /// The part of a chat's job the endpoint is owed now, or null when there is none: all of it settled before (a job
    /// handed on twice), or not its turn yet (then it is back on the queue).
    /// </summary>
    private async Task<WebhookDeliveryJob?> TakeTurnAsync(WebhookDeliveryJob job, WebhookChatCursors.Cursor? cursor, CancellationToken cancellationToken)
    {
        var first = job.Sequence!.Value;
        var next = cursor?.Next ?? first;
        if (next > first)
        {
            var count = job.Events.Count + job.LeftOut;
            var skip = (int)Math.Min(next - first, count);
            if (skip == count)
            {
                LogSettledBefore(job.Session, job.Webhook, count);
                return null;
            }
            return job with
            {
                Events = job.Events.Skip(skip).ToArray(), Sequence = first + skip, LeftOut = job.LeftOut - Math.Max(0, skip - job.Events.Count),
            };
        }
        if (next == first)
            return job;
        if (time.GetUtcNow() >= job.FirstAttemptAt + options.Value.RetryFor)
        {
            LogTurnNotCome(job.Session, job.Webhook, first, first - next);
            return job;
        }
        var delay = policy.TurnDelayFor(job.Waits + 1);
        await queue.EnqueueAsync(job with { Waits = job.Waits + 1 }, delay, cancellationToken);
        LogNotItsTurn(job.Session, job.Webhook, first, first - next, delay);
        return null;
    }

    /// <summary>Posts the job's events in order; answers how many of them, from the first, are settled (delivered, refused or given up on).</summary>
    private async Task<int> DeliverAsync(WebhookEndpoint endpoint, WebhookDeliveryJob job, string key, CancellationToken cancellationToken)
    {
        var secrets = await endpoints.SigningSecretsAsync(endpoint.Session, endpoint.Id, cancellationToken);
        for (var i = 0; i < job.Events.Count; i++)
        {
            var eventId = WebhookDeliveryJob.IdOf(job.Events[i])!;
            var response = await client.PostAsync(endpoint.Url, eventId, job.Events[i].GetRawText(), secrets, cancellationToken);
            await RecordAsync(endpoint, eventId, response, cancellationToken);
            if (response.Outcome == WebhookOutcome.Delivered)
            {
                order.Delivered(key, eventId);
                continue;
            }
            if (await DisableIfFailingTooLongAsync(endpoint, response, cancellationToken))
                return i;
            if (response.Outcome == WebhookOutcome.Retry)
            {
                var retried = await RetryAsync(job with
                {
                    Events = job.Events.Skip(i).ToArray(),
                    Sequence = job.Sequence + i,
                    Attempts = job.Attempts + 1,
                    FailingSince = job.FailingSince ?? response.At,
                }, eventId, key, response, cancellationToken);
                return retried ? i : job.Events.Count;
            }
            LogRefused(endpoint.Session, endpoint.Id, eventId, response.Describe());
            if (response.Status == 410)
            {
                await DisableAsync(endpoint, "the endpoint answered 410 Gone", cancellationToken);
                return i + 1;
            }
        }
        return job.Events.Count;
    }

    private async Task RecordAsync(WebhookEndpoint endpoint, string eventId, WebhookResponse response, CancellationToken cancellationToken)
    {
        var delivered = response.Outcome == WebhookOutcome.Delivered;
        await log.AddAsync(endpoint.Session, endpoint.Id,
            new WebhookAttempt(response.At, eventId, response.Status, response.LatencyMs, delivered ? null : response.Describe()), cancellationToken);
        await endpoints.RecordOutcomeAsync(endpoint.Session, endpoint.Id, delivered, response.At, cancellationToken);
        ChatSendTelemetry.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint.Id),
            new KeyValuePair<string, object?>("outcome", response.Outcome switch
            {
                WebhookOutcome.Delivered => "delivered",
                WebhookOutcome.Retry => "retrying",
                _ => "failed",
            }));
        if (delivered)
            LogDelivered(endpoint.Session, endpoint.Id, eventId, response.Status, response.LatencyMs);
    }

    /// <summary>Queues <paramref name="next"/> after its backoff; false when its retry window has passed and it is given up on.</summary>
    private async Task<bool> RetryAsync(WebhookDeliveryJob next, string eventId, string key, WebhookResponse response, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var delay = policy.DelayFor(next.Attempts, response.RetryAfter);
        if (now + delay > next.FirstAttemptAt + options.Value.RetryFor)
        {
            LogGaveUp(next.Session, next.Webhook, eventId, next.Events.Count, next.Attempts, response.Describe());
            await DisableIfNothingArrivedSinceAsync(next, response, cancellationToken);
            return false;
        }
        await queue.EnqueueAsync(next, delay, cancellationToken);
        if (response.TimedOut)
            gate.CoolDown(key, now + delay);
        LogRetrying(next.Session, next.Webhook, eventId, next.Attempts, response.Describe(), delay);
        return true;
    }

    private async Task<bool> DisableIfFailingTooLongAsync(WebhookEndpoint endpoint, WebhookResponse response, CancellationToken cancellationToken)
    {
        if (endpoint.FailingSince is not { } since || response.At - since < options.Value.RetryFor)
            return false;
        await DisableAsync(endpoint, FailingReason(since, response), cancellationToken);
        return true;
    }

    // These events failed for their whole window. If nothing reached the endpoint since they started failing (its
    // failure start is no later than theirs), it has been failing for RetryFor, even if no attempt fell on the day's end.
    private async Task DisableIfNothingArrivedSinceAsync(WebhookDeliveryJob job, WebhookResponse response, CancellationToken cancellationToken)
    {
        if (await endpoints.FindAsync(job.Session, job.Webhook, cancellationToken) is { Enabled: true, FailingSince: { } since } endpoint
            && since <= (job.FailingSince ?? job.FirstAttemptAt))
            await DisableAsync(endpoint, FailingReason(since, response), cancellationToken);
    }

    private static string FailingReason(DateTimeOffset since, WebhookResponse response) =>
        $"failing since {since.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}: {response.Describe()}";

    private async Task DisableAsync(WebhookEndpoint endpoint, string reason, CancellationToken cancellationToken)
    {
        await endpoints.DisableAsync(endpoint.Session, endpoint.Id, reason, cancellationToken);
        LogDisabled(endpoint.Session, endpoint.Id, reason);
    }

    [LoggerMessage(LogLevel.Information, "Webhook {Session}/{Webhook}: event {EventId} delivered ({Status}, {LatencyMs} ms)")]
    private partial void LogDelivered(string session, string webhook, string eventId, int? status, long latencyMs);

    [LoggerMessage(LogLevel.Warning, "Webhook {Session}/{Webhook}: event {EventId} failed on attempt {Attempt} ({Error}); retrying in {Delay}")]
    private partial void LogRetrying(string session, string webhook, string eventId, int attempt, string error, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Webhook {Session}/{Webhook}: event {EventId} refused ({Error}); not retried")]
    private partial void LogRefused(string session, string webhook, string eventId, string error);

    [LoggerMessage(LogLevel.Error, "Webhook {Session}/{Webhook}: gave up on event {EventId} and {Count} event(s) from it after {Attempts} failed attempts ({Error}): its retry window has passed")]
    private partial void LogGaveUp(string session, string webhook, string eventId, int count, int attempts, string error);

    [LoggerMessage(LogLevel.Warning, "Webhook {Session}/{Webhook} disabled: {Reason}")]
    private partial void LogDisabled(string session, string webhook, string reason);

    [LoggerMessage(LogLevel.Information, "Webhook {Session}/{Webhook}: dropped {Count} event(s), the endpoint was {State}")]
    private partial void LogDropped(string session, string webhook, int count, string state);

    [LoggerMessage(LogLevel.Information, "Webhook {Session}/{Webhook}: chatsequence {Sequence} waits for {Before} earlier event(s) of its chat; back on the queue for {Delay}")]
    private partial void LogNotItsTurn(string session, string webhook, long sequence, long before, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Webhook {Session}/{Webhook}: chatsequence {Sequence} posted out of its chat's order: {Before} earlier event(s) did not settle within the retry window")]
    private partial void LogTurnNotCome(string session, string webhook, long sequence, long before);

    [LoggerMessage(LogLevel.Debug, "Webhook {Session}/{Webhook}: {Count} event(s) of a chat were settled before; job dropped")]
    private partial void LogSettledBefore(string session, string webhook, int count);

    [LoggerMessage(LogLevel.Debug, "Webhook {Session}/{Webhook}: busy or cooling down; job back on the queue for {Wait}")]
    private partial void LogDeferred(string session, string webhook, TimeSpan wait);
}
