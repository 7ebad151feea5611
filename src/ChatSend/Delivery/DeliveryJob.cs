using Azure.Storage.Queues;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;

namespace ChatSend.Delivery;

/// <summary>A queue job: deliver message <see cref="Id"/>; <see cref="Attempt"/> counts provider attempts.</summary>
public sealed record DeliveryJob(MessageId Id, int Attempt = 1) : IQueueMessage
{
    public bool IsValid => Id != default && Attempt >= 1;
}

/// <summary>Puts delivery jobs on the deliveries queue.</summary>
public sealed class DeliveryQueue(StorageClients storage)
{
    private readonly QueueClient _queue = storage.Queue(StorageNames.DeliveriesQueue);

    public async Task<(string MessageId, string PopReceipt)> EnqueueAsync(DeliveryJob job, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var receipt = await _queue.SendMessageAsync(QueueMessages.Serialize(job), delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
        return (receipt.Value.MessageId, receipt.Value.PopReceipt);
    }
}
