using ChatSend.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

/// <summary>
/// A webhook job that threw five times (storage unreachable while it ran, as delivery's own failures never throw):
/// queued again after <see cref="RetryDelay"/> while its retry window lasts, as a fresh job with its attempts, so a
/// storage outage delays events rather than losing them; past the window it is dropped, logged as an error.
/// </summary>
public sealed partial class WebhookDeliveryFailedHandler(
    WebhookDeliveryQueue queue,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDeliveryFailedHandler> logger) : QueueHandler<WebhookDeliveryJob>(logger)
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(5);

    public override async Task HandleAsync(WebhookDeliveryJob job, CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() + RetryDelay > job.FirstAttemptAt + options.Value.RetryFor)
        {
            LogDropped(job.Session, job.Webhook, job.Events.Count, WebhookDeliveryJob.IdOf(job.Events[0])!);
            return;
        }
        await queue.EnqueueAsync(job, RetryDelay, cancellationToken);
        LogRequeued(job.Session, job.Webhook, job.Events.Count, RetryDelay);
    }

    [LoggerMessage(LogLevel.Warning, "Webhook {Session}/{Webhook}: a job of {Count} event(s) failed five times; queued again in {Delay}")]
    private partial void LogRequeued(string session, string webhook, int count, TimeSpan delay);

    [LoggerMessage(LogLevel.Error, "Webhook {Session}/{Webhook}: a job of {Count} event(s) from {EventId} failed five times and its retry window has passed; dropped")]
    private partial void LogDropped(string session, string webhook, int count, string eventId);
}
