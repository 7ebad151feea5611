using ChatSend.Delivery;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>A delivery job that failed on every attempt, from each shard's poison queue: its message ends failed.</summary>
public sealed class DeliveryFailed(DeliveryFailedHandler handler)
{
    [Function(QueueEndpoints.DeliveryFailed)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.DeliveriesPoisonQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DeliveryFailed + "1")]
    public Task Run1Async(
        [QueueTrigger(StorageNames.DeliveriesQueue + StorageNames.Shard1 + StorageNames.PoisonSuffix, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DeliveryFailed + "2")]
    public Task Run2Async(
        [QueueTrigger(StorageNames.DeliveriesQueue + StorageNames.Shard2 + StorageNames.PoisonSuffix, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DeliveryFailed + "3")]
    public Task Run3Async(
        [QueueTrigger(StorageNames.DeliveriesQueue + StorageNames.Shard3 + StorageNames.PoisonSuffix, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
