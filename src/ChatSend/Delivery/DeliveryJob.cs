using System.Text.Json.Serialization;
using Azure.Storage.Queues;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;

namespace ChatSend.Delivery;

/// <summary>
/// A queue job: look at message <see cref="Id"/> and deliver it if it is due. Only a trigger: the message row holds
/// the attempts, the claim and the schedule, so a repeated or extra job is harmless.
/// </summary>
public sealed record DeliveryJob(MessageId Id) : IQueueMessage
{
    [JsonIgnore]
    public bool IsValid => Id != default;
}

/// <summary>Puts delivery jobs on the deliveries queue.</summary>
public sealed class DeliveryQueue(StorageClients storage)
{
    /// <summary>A queue message stays hidden for at most seven days; a job for later comes early and is queued again (it hops).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    private readonly QueueClient _queue = storage.Queue(StorageNames.DeliveriesQueue);

    public async Task<(string MessageId, string PopReceipt)> EnqueueAsync(DeliveryJob job, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        delay = delay > MaxDelay ? MaxDelay : delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        var receipt = await _queue.SendMessageAsync(QueueMessages.Serialize(job), delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
        return (receipt.Value.MessageId, receipt.Value.PopReceipt);
    }
}
