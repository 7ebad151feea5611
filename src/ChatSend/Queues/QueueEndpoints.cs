using ChatSend.Delivery;
using ChatSend.Receipts;
using ChatSend.Storage;
using ChatSend.Webhooks;

namespace ChatSend.Queues;

/// <summary>
/// A queue-triggered function: its name, its queue, its handler, and the shard of its work queue it drains. The
/// Functions class is named after shard 0's function; shard k's is its method <c>Run{k}Async</c>, named <c>{Name}{k}</c>.
/// </summary>
public sealed record QueueEndpoint(string Name, string Queue, Type Handler, int Shard = 0);

/// <summary>
/// Every queue ChatSend drains, declared once, each for every shard (<see cref="StorageNames.MaxQueueShards"/>). The
/// local host starts a listener per entry of the shards in use; the Functions app has one thin class per work queue,
/// with a method per shard (the worker SDK reads its bindings from attributes), those beyond the shards in use
/// disabled by their app settings, and a test checks the published function metadata against this list.
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
        .. Sharded(Deliver, StorageNames.DeliveriesQueue, typeof(DeliveryProcessor)),
        .. Sharded(DeliveryFailed, StorageNames.DeliveriesQueue, typeof(DeliveryFailedHandler), poison: true),
        .. Sharded(ApplyReceipt, StorageNames.ReceiptsQueue, typeof(ReceiptHandler)),
        .. Sharded(DispatchEvents, StorageNames.EventsQueue, typeof(Events.EventDispatcher)),
        .. Sharded(DeliverWebhook, StorageNames.WebhookDeliveriesQueue, typeof(WebhookDeliveryHandler)),
        .. Sharded(WebhookDeliveryFailed, StorageNames.WebhookDeliveriesQueue, typeof(WebhookDeliveryFailedHandler), poison: true),
    ];

    /// <summary>The endpoints of the first <paramref name="shards"/> shards: what a host with that many listens to.</summary>
    public static IEnumerable<QueueEndpoint> Active(int shards) => All.Where(e => e.Shard < shards);

    /// <summary>The name of shard <paramref name="shard"/>'s function: shard 0 keeps the name from before shards.</summary>
    public static string ShardName(string name, int shard) => shard == 0 ? name : $"{name}{shard}";

    private static IEnumerable<QueueEndpoint> Sharded(string name, string queue, Type handler, bool poison = false) =>
        Enumerable.Range(0, StorageNames.MaxQueueShards).Select(k =>
            new QueueEndpoint(ShardName(name, k), StorageNames.Shard(queue, k) + (poison ? StorageNames.PoisonSuffix : ""), handler, k));
}
