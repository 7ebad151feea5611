using System.Text.Json.Serialization;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Telemetry;

namespace ChatSend.Receipts;

/// <summary>
/// A status report from a provider (delivered, read, failed). Provider callbacks and the sandbox put these on the
/// receipts queue; <see cref="ReceiptHandler"/> applies them, so every status change takes the same path.
/// <see cref="Next"/> is a report that follows this one after <see cref="NextAfter"/> (the sandbox's read after
/// delivered): it is queued once this one is applied, so a failure between the two cannot lose the second.
/// A provider's callback knows only its own id: then <see cref="Id"/> is null and <see cref="Provider"/> with
/// <see cref="ProviderMessageId"/> find the message, which must belong to <see cref="Session"/>, the session whose
/// secret verified the callback. <see cref="VisibleAt"/> is when it could first be taken off the queue (for the queue
/// age); receipts carry no trace: the message's row has it. The sandbox also puts its recipients' answers here
/// (<see cref="Providers.SandboxEcho"/>): status <c>received</c> names the message the recipient answers.
/// <see cref="NotFoundTries"/> counts the lookups of a provider's id that found no message yet (a callback can overtake
/// the write that records its message <c>sent</c>); the handler puts such a receipt back on the queue for a while.
/// </summary>
public sealed record Receipt(MessageId? Id, MessageStatus Status, DateTimeOffset? At = null, string? ProviderMessageId = null,
    string? Reason = null, MessageStatus? Next = null, TimeSpan? NextAfter = null, string? Provider = null, DateTimeOffset? VisibleAt = null,
    string? Session = null, int? NotFoundTries = null)
    : IQueueMessage
{
    /// <summary>A failure that says the chat's 24-hour window is closed (<see cref="Providers.ProviderException.ClosesWindow"/>).</summary>
    public bool ClosesWindow { get; init; }

    /// <summary>
    /// The chat a provider's callback says the message went to, when it says so: only where to look first in a session whose
    /// chats are spread over several partitions (<see cref="Messages.MessagePartitions"/>), never trusted beyond that.
    /// </summary>
    public string? Chat { get; init; }

    /// <summary>
    /// How many partitions <see cref="Session"/> has, for a session that has more than one (<see cref="Sessions.Session.Partitions"/>,
    /// fixed when it was created): the handler knows where to look without reading the session. Null: one.
    /// </summary>
    public int? Partitions { get; init; }

    /// <summary>
    /// Names its message (the sandbox's), or the provider's id for it and the session that may change it (a callback's).
    /// A provider's receipt without a session, queued by a version that did not check one, is not applied: nothing proves
    /// whose message it may move.
    /// </summary>
    [JsonIgnore]
    public bool IsValid => IsEcho
        ? Id is not null
        : (Id is not null || (Provider is not null && ProviderMessageId is not null && Session is not null)) && Status.IsReceipt();

    /// <summary>The sandbox's recipient answers message <see cref="Id"/>: not a status of it, a customer's message to record.</summary>
    [JsonIgnore]
    public bool IsEcho => Status == MessageStatus.Received;

    /// <summary>What picks its queue shard: its message's id or, for a callback that knows only the provider's id, that id.</summary>
    [JsonIgnore]
    public string ShardKey => Id?.Value ?? ProviderMessageId ?? "";
}

/// <summary>Puts receipts on the receipts queue, each on the shard its <see cref="Receipt.ShardKey"/> picks.</summary>
public sealed class ReceiptQueue(QueueShards shards, TimeProvider time)
{
    private readonly ShardedQueue _queue = shards.Of(StorageNames.ReceiptsQueue);

    public async Task EnqueueAsync(Receipt receipt, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var queue = _queue.For(receipt.ShardKey);
        using var activity = ChatSendTelemetry.StartQueuePut(queue.Name, receipt.Id);
        receipt = receipt with { VisibleAt = time.GetUtcNow() + (delay ?? TimeSpan.Zero) };
        await queue.SendMessageAsync(QueueMessages.Serialize(receipt), delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
    }
}
