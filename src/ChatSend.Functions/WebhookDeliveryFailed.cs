using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>A webhook job that failed on every dequeue: queued again while its retry window lasts.</summary>
public sealed class WebhookDeliveryFailed(WebhookDeliveryFailedHandler handler)
{
    [Function(QueueEndpoints.WebhookDeliveryFailed)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.WebhookDeliveriesPoisonQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
