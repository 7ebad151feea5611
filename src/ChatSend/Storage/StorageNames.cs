namespace ChatSend.Storage;

/// <summary>
/// The one place where ChatSend's storage names live. The Functions bindings, the local host,
/// the seeding commands and the infrastructure templates all read them from here.
/// </summary>
public static class StorageNames
{
    /// <summary>Configuration prefix of the storage connection (a connection string, or identity-based URIs).</summary>
    public const string Connection = "ChatSendStorage";

    public const string DeliveriesQueue = "deliveries";
    public const string DeliveriesPoisonQueue = DeliveriesQueue + PoisonSuffix;
    public const string ReceiptsQueue = "receipts";
    public const string ReceiptsPoisonQueue = ReceiptsQueue + PoisonSuffix;

    /// <summary>Status changes to hand to the event sinks (a trigger: the outbox rows in the messages table are the record).</summary>
    public const string EventsQueue = "events";
    public const string EventsPoisonQueue = EventsQueue + PoisonSuffix;

    /// <summary>One job per customer webhook endpoint and batch of events.</summary>
    public const string WebhookDeliveriesQueue = "webhook-deliveries";
    public const string WebhookDeliveriesPoisonQueue = WebhookDeliveriesQueue + PoisonSuffix;

    /// <summary>The suffix the Functions host appends to a queue's name for its poison queue.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>
    /// The most shards a work queue may have (<c>ChatSend:Queues:Shards</c>). Shard 0 keeps the queue's own name, so a
    /// deployment from before shards keeps its queued jobs; shard k is <c>&lt;queue&gt;-k</c> (<see cref="Shard1"/> …),
    /// its poison queue <c>&lt;queue&gt;-k-poison</c>.
    /// </summary>
    public const int MaxQueueShards = 4;

    /// <summary>The suffixes of shards 1 to 3, for the Functions triggers' constant queue names.</summary>
    public const string Shard1 = "-1", Shard2 = "-2", Shard3 = "-3";

    /// <summary>The work queues that are sharded; their poison queues follow each shard.</summary>
    public static IReadOnlyList<string> ShardedQueues { get; } = [DeliveriesQueue, ReceiptsQueue, EventsQueue, WebhookDeliveriesQueue];

    /// <summary>The name of shard <paramref name="shard"/> of <paramref name="queue"/> (a work queue or its poison queue's base).</summary>
    public static string Shard(string queue, int shard) => shard == 0 ? queue : $"{queue}-{shard}";

    public const string SessionsTable = "sessions";
    public const string ApiKeysTable = "apikeys";
    public const string MessagesTable = "messages";
    public const string IdempotencyTable = "idempotency";

    /// <summary>What the sandbox provider accepted, one row per call: the sandbox's side of a send, as a network keeps its own.</summary>
    public const string SandboxTable = "sandbox";

    /// <summary>Provider message id → ChatSend message id, for provider webhooks.</summary>
    public const string ProviderIdsTable = "providerids";

    /// <summary>Each session's recent sends (counts per slot) and last send per recipient, for pacing across instances.</summary>
    public const string PacingTable = "pacing";

    /// <summary>Customer webhooks, one partition per session; secrets encrypted.</summary>
    public const string WebhooksTable = "webhooks";

    /// <summary>Each webhook endpoint's recent delivery attempts.</summary>
    public const string WebhookLogTable = "webhooklog";

    /// <summary>The sweeper's hints by minute: which sessions may have work falling due, which staged media to check (<c>Sweeping/SweepIndex</c>).</summary>
    public const string SweepIndexTable = "sweepindex";

    public const string MediaContainer = "media";

    /// <summary>Shard 0 of every queue: the names from before shards, and all there is with one shard.</summary>
    public static IReadOnlyList<string> Queues { get; } =
        [DeliveriesQueue, DeliveriesPoisonQueue, ReceiptsQueue, ReceiptsPoisonQueue, EventsQueue, EventsPoisonQueue,
            WebhookDeliveriesQueue, WebhookDeliveriesPoisonQueue];

    /// <summary>Every queue of <paramref name="shards"/> shards, poison queues included: <see cref="Queues"/>, then each further shard's.</summary>
    public static IReadOnlyList<string> QueuesFor(int shards) =>
        [.. Queues, .. Enumerable.Range(1, Math.Max(0, shards - 1))
            .SelectMany(k => ShardedQueues.SelectMany(q => new[] { Shard(q, k), Shard(q, k) + PoisonSuffix }))];

    public static IReadOnlyList<string> Tables { get; } = [SessionsTable, ApiKeysTable, MessagesTable, IdempotencyTable, SandboxTable, ProviderIdsTable, PacingTable,
        WebhooksTable, WebhookLogTable, SweepIndexTable];

    public static IReadOnlyList<string> Containers { get; } = [MediaContainer];
}
