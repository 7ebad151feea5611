using ChatSend.Delivery;
using ChatSend.Receipts;
using ChatSend.Storage;
using ChatSend.Webhooks;

namespace ChatSend.Queues;

/// <summary>A queue-triggered function: its name (the Functions class is named the same), its queue and its handler.</summary>
public sealed record QueueEndpoint(string Name, string Queue, Type Handler);

/// <summary>
/// Every queue ChatSend drains, declared once. The local host starts a listener per entry; the Functions app has one
/// thin class per entry (the worker SDK reads its bindings from attributes), and a test checks the published
/// function metadata against this list.
/// </summary>
public static class QueueEndpoints
{
    public const string Deliver = nameof(Deliver);
    public const string DeliveryFailed = nameof(DeliveryFailed);
    public const string ApplyReceipt = nameof(ApplyReceipt);
    public const string DispatchEvents = nameof(DispatchEvents);
    public const string DeliverWebhook = nameof(DeliverWebhook);
    public const string WebhookDeliveryFailed = nameof(WebhookDeliveryFailed);

    public static IReadOnlyList<QueueEndpoint> All { get; } =
    [
        new(Deliver, StorageNames.DeliveriesQueue, typeof(DeliveryProcessor)),
        new(DeliveryFailed, StorageNames.DeliveriesPoisonQueue, typeof(DeliveryFailedHandler)),
        new(ApplyReceipt, StorageNames.ReceiptsQueue, typeof(ReceiptHandler)),
        new(DispatchEvents, StorageNames.EventsQueue, typeof(Events.EventDispatcher)),
        new(DeliverWebhook, StorageNames.WebhookDeliveriesQueue, typeof(WebhookDeliveryHandler)),
        new(WebhookDeliveryFailed, StorageNames.WebhookDeliveriesPoisonQueue, typeof(WebhookDeliveryFailedHandler)),
    ];
}
