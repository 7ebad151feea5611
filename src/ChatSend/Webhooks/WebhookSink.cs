using System.Text.Json;
using Azure.Messaging;
using ChatSend.Events;

namespace ChatSend.Webhooks;

/// <summary>
/// The session's webhooks as an event sink: each enabled endpoint that wants at least one of a message's events gets
/// its own job(s) on the webhook deliveries queue, so a slow or failing endpoint never holds up another.
/// A chat's received events (numbered by <c>chatsequence</c>) go as jobs that each know their place, and the endpoint's
/// cursor for the chat is started before the first of them is queued, so the handler posts them in order.
/// </summary>
public sealed partial class WebhookSink(IWebhookEndpoints endpoints, WebhookDeliveryQueue queue, WebhookChatCursors cursors, TimeProvider time,
    Microsoft.Extensions.Logging.ILogger<WebhookSink> logger) : IEventSink
{
    public async ValueTask<bool> WantsAsync(string session, CancellationToken cancellationToken) =>
        (await endpoints.ListEnabledAsync(session, cancellationToken)).Count > 0;

    public async Task PublishAsync(string session, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        var enabled = await endpoints.ListEnabledAsync(session, cancellationToken);
        if (enabled.Count == 0)
            return;
        var serialized = events.Select(e => (e.Type, Json: ToJson(e))).ToArray();
        var now = time.GetUtcNow();
        var chat = ChatOf(serialized[0].Json);
        var jobs = new List<WebhookDeliveryJob>();
        foreach (var endpoint in enabled)
        {
            var wanted = events.Select((e, i) => (e, i)).Where(x => endpoint.Wants(x.e.Type)).ToArray();
            if (wanted.Length == 0)
                continue;
            var split = WebhookDeliveryJob.Split(session, endpoint.Id, [.. wanted.Select(w => serialized[w.i].Json)], now);
            if (chat is { } ordered)
            {
                var first = MessageEvents.SequenceOf(split[0].Events[0])!.Value;
                await cursors.StartAsync(session, endpoint.Id, endpoint.ChatEpoch, ordered.Chat, first, cancellationToken);
                jobs.AddRange(split.Select(job => MessageEvents.SequenceOf(job.Events[0])!.Value is var sequence
                    ? job with { Chat = ordered.Chat, Sequence = sequence, Epoch = endpoint.ChatEpoch }
                    : job));
            }
            else
                jobs.AddRange(split.Select((job, n) => n == 0 ? job with { After = WebhookOrder.Before(wanted[0].e, endpoint.Wants) } : job));
        }
        await Task.WhenAll(jobs.Select(job => EnqueueAsync(job, cancellationToken)));
    }

    // Events numbered in their chat are published a chat at a time (ChatOrder): the first one says which chat.
    private static (string Chat, long Sequence)? ChatOf(JsonElement cloudEvent) =>
        MessageEvents.SequenceOf(cloudEvent) is { } sequence && cloudEvent.TryGetProperty("data", out var data)
        && data.TryGetProperty("chat", out var chat) && chat.ValueKind == JsonValueKind.String
            ? (chat.GetString()!, sequence)
            : null;

    // The job carries the event as this JSON, and the handler posts and signs exactly its text.
    private static JsonElement ToJson(CloudEvent cloudEvent)
    {
        using var document = JsonDocument.Parse(MessageEvents.Serialize(cloudEvent));
        return document.RootElement.Clone();
    }

    // An event too large for a queue message on its own can never be queued: throwing would make every other
    // destination get the message's events again each minute, for ever. It is left out for this endpoint, and said so.
    // A chat's event left out still takes its turn, as a job without it, so the chat's later events do not wait for it.
    private async Task EnqueueAsync(WebhookDeliveryJob job, CancellationToken cancellationToken)
    {
        if (await queue.TryEnqueueAsync(job, cancellationToken) is not (false, var bytes))
            return;
        LogTooLarge(job.Session, job.Webhook, WebhookDeliveryJob.IdOf(job.Events[0]) ?? "?", bytes);
        if (job.IsOrdered)
            await queue.EnqueueAsync(job with { Events = [], LeftOut = job.Events.Count }, cancellationToken: cancellationToken);
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Error,
        "Event {EventId} is not posted to webhook {Webhook} of session {Session}: {Bytes} bytes do not fit a queue message")]
    private partial void LogTooLarge(string session, string webhook, string eventId, int bytes);
}
