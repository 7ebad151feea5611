using ChatSend.Delivery;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>A delivery job that failed on every attempt: its message ends failed.</summary>
public sealed class DeliveryFailed(DeliveryFailedHandler handler)
{
    [Function(QueueEndpoints.DeliveryFailed)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.DeliveriesPoisonQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
