using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>A webhook job that failed on every dequeue, from each shard's poison queue: queued again while its retry window lasts.</summary>
public sealed class WebhookDeliveryFailed(WebhookDeliveryFailedHandler handler)
{
    [Function(QueueEndpoints.WebhookDeliveryFailed)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.WebhookDeliveriesPoisonQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.WebhookDeliveryFailed + "1")]
    public Task Run1Async(
        [QueueTrigger(StorageNames.WebhookDeliveriesQueue + StorageNames.Shard1 + StorageNames.PoisonSuffix, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.WebhookDeliveryFailed + "2")]
    public Task Run2Async(
        [QueueTrigger(StorageNames.WebhookDeliveriesQueue + StorageNames.Shard2 + StorageNames.PoisonSuffix, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.WebhookDeliveryFailed + "3")]
    public Task Run3Async(
        [QueueTrigger(StorageNames.WebhookDeliveriesQueue + StorageNames.Shard3 + StorageNames.PoisonSuffix, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
