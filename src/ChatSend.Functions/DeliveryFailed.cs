using ChatSend.Delivery;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>A delivery job that failed on every attempt: the library marks its message failed.</summary>
public sealed class DeliveryFailed(DeliveryFailedHandler handler)
{
    [Function(nameof(DeliveryFailed))]
    public Task RunAsync(
        [QueueTrigger(StorageNames.DeliveriesPoisonQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
