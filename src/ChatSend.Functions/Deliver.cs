using ChatSend.Delivery;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>
/// One delivery job, from each shard of the deliveries queue (a method per shard; those beyond <c>ChatSend:Queues:Shards</c>
/// are disabled by app settings). A throw leaves the job on its queue; after maxDequeueCount it goes to that queue's poison queue.
/// </summary>
public sealed class Deliver(DeliveryProcessor handler)
{
    [Function(QueueEndpoints.Deliver)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.DeliveriesQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.Deliver + "1")]
    public Task Run1Async(
        [QueueTrigger(StorageNames.DeliveriesQueue + StorageNames.Shard1, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.Deliver + "2")]
    public Task Run2Async(
        [QueueTrigger(StorageNames.DeliveriesQueue + StorageNames.Shard2, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.Deliver + "3")]
    public Task Run3Async(
        [QueueTrigger(StorageNames.DeliveriesQueue + StorageNames.Shard3, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
