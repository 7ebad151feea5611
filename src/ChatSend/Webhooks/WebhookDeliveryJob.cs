using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSend.Queues;
using ChatSend.Sessions;
using ChatSend.Storage;

namespace ChatSend.Webhooks;

/// <summary>
/// Events of one message still to be posted to one endpoint, oldest first, each the structured CloudEvent JSON that is
/// signed and sent as it is. <see cref="FirstAttemptAt"/> starts the retry window; <see cref="Attempts"/> counts the
/// failed attempts behind it, for the backoff.
/// </summary>
public sealed record WebhookDeliveryJob(string Session, string Webhook, IReadOnlyList<JsonElement> Events, DateTimeOffset FirstAttemptAt,
    int Attempts = 0) : IQueueMessage
{
    /// <summary>The event of the same message the endpoint gets just before this job's first one, if any (<see cref="WebhookOrder"/>).</summary>
    public string? After { get; init; }

    /// <summary>When this job's events first failed; set on its first retry.</summary>
    public DateTimeOffset? FailingSince { get; init; }

    /// <summary>
    /// For a chat's received events: the chat, and the <c>chatsequence</c> of the first event (the others follow one by
    /// one). The job posts only in its turn (<see cref="WebhookChatCursors"/>).
    /// </summary>
    public string? Chat { get; init; }

    public long? Sequence { get; init; }

    /// <summary>The endpoint's <see cref="WebhookEntity.ChatEpoch"/> when the job was queued.</summary>
    public int Epoch { get; init; }

    /// <summary>
    /// A chat's events left out at <see cref="Sequence"/> (too large for a queue message; the sink logged them), for which
    /// this job carries no events: in its turn it moves the endpoint's cursor past them, so the chat does not wait for them.
    /// </summary>
    public int LeftOut { get; init; }

    /// <summary>How many times the job found it was not its turn yet and went back on the queue.</summary>
    public int Waits { get; init; }

    [JsonIgnore]
    public bool IsOrdered => Chat is not null && Sequence is not null;

    /// <summary>A queue message may be 64 KiB as Base64, so 48 KiB of JSON; a little is kept back.</summary>
    public const int MaxBytes = 47 * 1024;

    [JsonIgnore]
    public bool IsValid =>
        SessionId.IsValid(Session) && !string.IsNullOrEmpty(Webhook) && Events is not null && Events.All(e => IdOf(e) is not null)
        && (Events.Count > 0 || LeftOut > 0 && Sequence is not null) && LeftOut >= 0
        && (Chat is null) == (Sequence is null) && Sequence is null or > 0;

    /// <summary>
    /// What picks the job's queue shard: the message its first event is about (event ids are <c>&lt;message id&gt;:&lt;status&gt;</c>),
    /// so one message's jobs share a shard as they shared the one queue; for a chat's job without events, its chat and place.
    /// </summary>
    [JsonIgnore]
    public string ShardKey => Events.Count > 0 && IdOf(Events[0]) is { } id
        ? id.LastIndexOf(':') is > 0 and var status ? id[..status] : id
        : $"{Chat}/{Sequence}";

    /// <summary>The CloudEvent id, sent as <c>webhook-id</c>.</summary>
    public static string? IdOf(JsonElement cloudEvent) =>
        cloudEvent.ValueKind == JsonValueKind.Object && cloudEvent.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    /// <summary>
    /// The jobs that carry <paramref name="events"/> in order, as few as fit a queue message each. An event too large
    /// for a message on its own still gets its own job, which the queue then refuses.
    /// </summary>
    public static IReadOnlyList<WebhookDeliveryJob> Split(string session, string webhook, IReadOnlyList<JsonElement> events, DateTimeOffset at)
    {
        var jobs = new List<WebhookDeliveryJob>();
        var batch = new List<JsonElement>();
        foreach (var cloudEvent in events)
        {
            if (batch.Count > 0 && SizeOf(new(session, webhook, [.. batch, cloudEvent], at)) > MaxBytes)
            {
                jobs.Add(new(session, webhook, batch.ToArray(), at));
                batch.Clear();
            }
            batch.Add(cloudEvent);
        }
        if (batch.Count > 0)
            jobs.Add(new(session, webhook, batch.ToArray(), at));
        return jobs;
    }

    public static int SizeOf(WebhookDeliveryJob job) => Encoding.UTF8.GetByteCount(QueueMessages.Serialize(job));
}

/// <summary>Puts webhook delivery jobs on their queue, now or after a delay, each on the shard its <see cref="WebhookDeliveryJob.ShardKey"/> picks.</summary>
public sealed class WebhookDeliveryQueue(QueueShards shards)
{
    private readonly ShardedQueue _queue = shards.Of(StorageNames.WebhookDeliveriesQueue);

    public Task EnqueueAsync(WebhookDeliveryJob job, TimeSpan? delay = null, CancellationToken cancellationToken = default) =>
        SendAsync(job.ShardKey, QueueMessages.Serialize(job), delay, cancellationToken);

    /// <summary>
    /// Queues a new job if it fits <see cref="WebhookDeliveryJob.MaxBytes"/>, serialized once for both; otherwise queues
    /// nothing and answers its size. (A retry carries fewer events than the job it came from, so it uses plain
    /// <see cref="EnqueueAsync"/>.)
    /// </summary>
    public async Task<(bool Queued, int Bytes)> TryEnqueueAsync(WebhookDeliveryJob job, CancellationToken cancellationToken)
    {
        var body = QueueMessages.Serialize(job);
        var bytes = Encoding.UTF8.GetByteCount(body);
        if (bytes > WebhookDeliveryJob.MaxBytes)
            return (false, bytes);
        await SendAsync(job.ShardKey, body, delay: null, cancellationToken);
        return (true, bytes);
    }

    private async Task SendAsync(string key, string body, TimeSpan? delay, CancellationToken cancellationToken)
    {
        delay = delay > Delivery.DeliveryQueue.MaxDelay ? Delivery.DeliveryQueue.MaxDelay : delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        await _queue.For(key).SendMessageAsync(body, delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
    }
}
