using ChatSend.Delivery;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>One delivery job. A throw leaves the job on the queue; after maxDequeueCount it goes to the poison queue.</summary>
public sealed class Deliver(DeliveryProcessor handler)
{
    [Function(QueueEndpoints.Deliver)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.DeliveriesQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
