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

    public static IReadOnlyList<string> Queues { get; } =
        [DeliveriesQueue, DeliveriesPoisonQueue, ReceiptsQueue, ReceiptsPoisonQueue, EventsQueue, EventsPoisonQueue,
            WebhookDeliveriesQueue, WebhookDeliveriesPoisonQueue];

    public static IReadOnlyList<string> Tables { get; } = [SessionsTable, ApiKeysTable, MessagesTable, IdempotencyTable, SandboxTable, ProviderIdsTable, PacingTable,
        WebhooksTable, WebhookLogTable, SweepIndexTable];

    public static IReadOnlyList<string> Containers { get; } = [MediaContainer];
}
