using System.Text.Json;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Queues;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Delivery;

/// <summary>
/// Handles one job from the deliveries queue. Provider errors are handled here: transient ones are retried
/// by a new job with a backoff delay, permanent ones end the message <c>failed</c>. Anything else (storage
/// down, a bug) is thrown, so the queue retries the job and after five dequeues moves it to the poison queue.
/// </summary>
public sealed class DeliveryProcessor(
    MessageStore messages,
    SessionStore sessions,
    ChannelProviders providers,
    DeliveryQueue queue,
    MediaLinks mediaLinks,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveryProcessor> logger) : QueueHandler<DeliveryJob>(logger)
{
    public override async Task HandleAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var id = job.Id;
        var message = await messages.FindAsync(id, cancellationToken);
        if (message is null)
        {
            // The send request removed its row after the queue put looked failed: nothing to deliver.
            logger.LogWarning("Delivery job for unknown message {MessageId} dropped", id.Value);
            return;
        }
        if (message.CurrentStatus != MessageStatus.Queued)
        {
            logger.LogInformation("Message {MessageId} is already {Status}; delivery job skipped", message.Id, message.Status);
            return;
        }

        var session = await sessions.FindAsync(id.Session, cancellationToken);
        if (session is not { Enabled: true })
        {
            await FailAsync(id, session is null ? "the session no longer exists" : "the session is disabled", cancellationToken);
            return;
        }
        if (providers.Find(session.Provider) is not { } provider)
        {
            await FailAsync(id, $"the session's provider '{session.Provider}' is not available", cancellationToken);
            return;
        }

        await messages.UpdateAsync(id, m => { m.Attempts = job.Attempt; return true; }, cancellationToken);
        ProviderReceipt receipt;
        try
        {
            receipt = await provider.SendAsync(await ToOutboundAsync(message, cancellationToken), session, cancellationToken);
        }
        catch (ProviderException ex) when (ex.IsTransient && job.Attempt < options.Value.MaxAttempts)
        {
            var delay = options.Value.BackoffFor(job.Attempt, ex.RetryAfter);
            logger.LogWarning("Provider {Provider} failed for message {MessageId} (attempt {Attempt}): {Reason}; retrying in {Delay}",
                provider.Name, message.Id, job.Attempt, ex.Message, delay);
            await queue.EnqueueAsync(job with { Attempt = job.Attempt + 1 }, delay, cancellationToken);
            return;
        }
        catch (ProviderException ex)
        {
            var reason = ex.IsTransient
                ? $"provider {provider.Name} still failing after {job.Attempt} attempts: {ex.Message}"
                : $"provider {provider.Name} refused the message: {ex.Message}";
            await FailAsync(id, reason, cancellationToken);
            return;
        }

        var row = await messages.UpdateAsync(id, m =>
        {
            var moved = m.Advance(MessageStatus.Sent, time.GetUtcNow());
            var newId = m.ProviderMessageId is null;
            m.ProviderMessageId ??= receipt.ProviderMessageId;
            return moved || newId;
        }, cancellationToken);
        logger.LogInformation("Message {MessageId} to {Recipient} sent through {Provider}; now {Status}",
            message.Id, Recipient.Mask(message.Recipient), provider.Name, row?.Status);
    }

    private async Task FailAsync(MessageId id, string reason, CancellationToken cancellationToken)
    {
        await messages.UpdateAsync(id, m => m.Advance(MessageStatus.Failed, time.GetUtcNow(), reason), cancellationToken);
        logger.LogWarning("Message {MessageId} failed: {Reason}", id.Value, reason);
    }

    // A fresh read-only link for each attempt, so it only has to outlive one provider call.
    private async Task<OutboundMessage> ToOutboundAsync(MessageEntity m, CancellationToken cancellationToken) => new(
        m.MessageId, m.MessageType, m.Sender, m.Recipient, m.Text,
        m.Preview is { Length: > 0 } preview ? JsonSerializer.Deserialize<Dictionary<string, string>>(preview) : null,
        m.MediaBlob is { } blob
            ? new OutboundMedia(await mediaLinks.ReadUrlAsync(blob, cancellationToken), m.MimeType!, m.FileName!, m.MediaLength ?? 0, m.MediaSha256!)
            : null);
}

/// <summary>Handles a job the queue gave up on after its last dequeue: the message ends <c>failed</c>.</summary>
public sealed class DeliveryFailedHandler(MessageStore messages, TimeProvider time, ILogger<DeliveryFailedHandler> logger)
    : QueueHandler<DeliveryJob>(logger)
{
    public const string Reason = "delivery gave up: the job failed on every attempt and was moved to the poison queue";

    public override async Task HandleAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var row = await messages.UpdateAsync(job.Id, m => m.Advance(MessageStatus.Failed, time.GetUtcNow(), Reason), cancellationToken);
        logger.LogError("Delivery of message {MessageId} gave up after repeated failures; status {Status}", job.Id.Value, row?.Status ?? "unknown");
    }
}
