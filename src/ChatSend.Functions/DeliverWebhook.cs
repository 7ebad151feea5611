using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>One webhook delivery job. A throw leaves the job on the queue; after maxDequeueCount it goes to the poison queue.</summary>
public sealed class DeliverWebhook(WebhookDeliveryHandler handler)
{
    [Function(QueueEndpoints.DeliverWebhook)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.WebhookDeliveriesQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
