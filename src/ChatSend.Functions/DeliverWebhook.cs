using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>
/// One webhook delivery job, from each shard of its queue. A throw leaves the job on its queue; after maxDequeueCount it
/// goes to that queue's poison queue.
/// </summary>
public sealed class DeliverWebhook(WebhookDeliveryHandler handler)
{
    [Function(QueueEndpoints.DeliverWebhook)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.WebhookDeliveriesQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DeliverWebhook + "1")]
    public Task Run1Async(
        [QueueTrigger(StorageNames.WebhookDeliveriesQueue + StorageNames.Shard1, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DeliverWebhook + "2")]
    public Task Run2Async(
        [QueueTrigger(StorageNames.WebhookDeliveriesQueue + StorageNames.Shard2, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DeliverWebhook + "3")]
    public Task Run3Async(
        [QueueTrigger(StorageNames.WebhookDeliveriesQueue + StorageNames.Shard3, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
