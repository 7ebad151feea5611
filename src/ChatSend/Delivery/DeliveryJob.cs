using System.Text.Json.Serialization;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Telemetry;

namespace ChatSend.Delivery;

/// <summary>
/// A queue job: look at message <see cref="Id"/> and deliver it if it is due. Only a trigger: the message row holds
/// the attempts, the claim and the schedule, so a repeated or extra job is harmless. <see cref="TraceParent"/> and
/// <see cref="TraceState"/> carry the message's trace (the send's context, as on its row) so the delivery joins it;
/// <see cref="VisibleAt"/> is when the job could first be taken, for the queue age. All three are optional: jobs
/// written before they existed, or by the sweeper, are still read.
/// </summary>
public sealed record DeliveryJob(MessageId Id, string? TraceParent = null, string? TraceState = null, DateTimeOffset? VisibleAt = null)
    : IQueueMessage
{
    /// <summary>The turn the message holds in its chat's line, when whoever queued the job knew it (<see cref="ChatLines"/>).</summary>
    public LineTurn? Turn { get; init; }

    [JsonIgnore]
    public bool IsValid => Id != default;

    [JsonIgnore]
    public TraceContext? Trace => TraceContext.From(TraceParent, TraceState);

    /// <summary>A job for <paramref name="message"/> that keeps its trace.</summary>
    public static DeliveryJob For(MessageEntity message) => new(message.MessageId, message.TraceParent, message.TraceState)
    {
        Turn = message.InLine && message.Turn?.Number == message.LineNumber ? message.Turn : null,
    };
}

/// <summary>Puts delivery jobs on the deliveries queue, a message's on the shard its id picks.</summary>
public sealed class DeliveryQueue(QueueShards shards, TimeProvider time)
{
    /// <summary>A queue message stays hidden for at most seven days; a job for later comes early and is queued again (it hops).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    private readonly ShardedQueue _queue = shards.Of(StorageNames.DeliveriesQueue);

    public async Task<(string MessageId, string PopReceipt)> EnqueueAsync(DeliveryJob job, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        delay = delay > MaxDelay ? MaxDelay : delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        var queue = _queue.For(job.Id.Value);
        using var activity = ChatSendTelemetry.StartQueuePut(queue.Name, job.Id);
        job = job with { VisibleAt = time.GetUtcNow() + (delay ?? TimeSpan.Zero) };
        var receipt = await queue.SendMessageAsync(QueueMessages.Serialize(job), delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
        return (receipt.Value.MessageId, receipt.Value.PopReceipt);
    }
}
