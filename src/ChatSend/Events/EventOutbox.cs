using Azure;
using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Events;

/// <summary>
/// The one place events come from. Every status change is written by <see cref="MessageStore"/>, which asks this class
/// for the outbox entries to write in the same transaction (one per status the row reached, and none when no sink
/// follows the session) and, once the write landed, to queue an <see cref="EventJob"/>. So a status change and its
/// event are recorded together or not at all, and a process that dies after the write leaves entries the sweeper finds.
/// </summary>
public sealed partial class EventOutbox(
    IEnumerable<IEventSink> sinks,
    StorageClients storage,
    QueueShards shards,
    IOptions<DeliveryOptions> delivery,
    TimeProvider time,
    ILogger<EventOutbox> logger)
{
    private readonly IEventSink[] _sinks = sinks.ToArray();
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);
    private readonly ShardedQueue _queue = shards.Of(StorageNames.EventsQueue);

    public IReadOnlyList<IEventSink> Sinks => _sinks;

    /// <summary>
    /// The entries to write with <paramref name="row"/>'s change: one per status it reached, if any sink wants the session's
    /// events. A customer's message whose file is still being fetched gets none: its events wait for the write that
    /// settles the file, which reaches its whole history again (<see cref="MessageEntity.ReachAgain"/>), so the
    /// <c>received</c> event shows the message with its media, once. A customer's <c>received</c> event is not among them:
    /// it waits in its chat's order (<see cref="ChatOrderEntryAsync"/>), unless the message was recorded without an entry
    /// there (<see cref="MessageEntity.InChatOrder"/>: by the version before, or while no sink followed the session).
    /// </summary>
    public async ValueTask<IReadOnlyList<OutboxEntry>> EntriesForAsync(MessageEntity row, CancellationToken cancellationToken)
    {
        if (row.Reached.Count == 0 || row.MediaPending || !await AnyWantsAsync(row.Session, cancellationToken))
            return [];
        var first = row.GetHistory().Count - row.Reached.Count;
        var due = time.GetUtcNow() + delivery.Value.SweepAfter;
        return row.Reached.Select((change, i) => (change, position: first + i))
            .Where(x => !(row.InChatOrder && x.change.Status == MessageStatus.Received))
            .Select(x => OutboxEntry.For(row.MessageId, x.position, x.change, due)).ToList();
    }

    /// <summary>
    /// The entry that holds a customer's new message's <c>received</c> event in its chat's order, written with the message
    /// (even while its file is fetched: it keeps the message's place), or null when no sink wants the session's events.
    /// </summary>
    public async ValueTask<OutboxEntry?> ChatOrderEntryAsync(MessageEntity row, CancellationToken cancellationToken)
    {
        if (!row.IsInbound || row.Chat is null || row.Reached.FirstOrDefault(c => c.Status == MessageStatus.Received) is not { Status: MessageStatus.Received } received
            || !await AnyWantsAsync(row.Session, cancellationToken))
            return null;
        var now = time.GetUtcNow();
        return OutboxEntry.InChatOrder(row, received, now, now + delivery.Value.SweepAfter);
    }

    /// <summary>
    /// Whether the write that recorded <paramref name="row"/>'s change should queue its events job: it wrote entries, or it
    /// made a customer's <c>received</c> event ready to take its turn (the message recorded, or its file settled).
    /// </summary>
    public async ValueTask<bool> ShouldAnnounceAsync(MessageEntity row, IReadOnlyList<OutboxEntry> entries) =>
        entries.Count > 0 || row.InChatOrder && !row.MediaPending && row.Reached.Any(c => c.Status == MessageStatus.Received)
            && await AnyWantsAsync(row.Session, CancellationToken.None);

    /// <summary>Queues the job that hands <paramref name="id"/>'s pending events on; if that fails, the sweeper does it later.</summary>
    public async Task AnnounceAsync(MessageId id, string? chat = null)
    {
        try
        {
            await EnqueueAsync(id, chat, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogAnnounceFailed(id.Value, delivery.Value.SweepAfter, StorageFailure.Describe(ex));
        }
    }

    /// <summary>Queues <paramref name="id"/>'s events job on the shard its message id picks.</summary>
    public Task EnqueueAsync(MessageId id, string? chat, CancellationToken cancellationToken) =>
        _queue.For(id.Value).SendMessageAsync(QueueMessages.Serialize(new EventJob(id) { Chat = chat }), timeToLive: TimeSpan.FromSeconds(-1),
            cancellationToken: cancellationToken);

    /// <summary>
    /// Hands <paramref name="events"/> to every sink that wants the session's events; true when all took them. A sink that is
    /// down does not hold back the others; it gets the events when they fall due again.
    /// </summary>
    public async Task<bool> PublishAsync(string session, string about, IReadOnlyList<Azure.Messaging.CloudEvent> events, CancellationToken cancellationToken)
    {
        var published = true;
        foreach (var sink in _sinks)
        {
            try
            {
                if (await sink.WantsAsync(session, cancellationToken))
                    await sink.PublishAsync(session, events, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogSinkFailed(about, sink.GetType().Name, ex);
                published = false;
            }
        }
        return published;
    }

    /// <summary>The message's pending entries, in status order.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> PendingAsync(MessageId id, CancellationToken cancellationToken)
    {
        var entries = new List<OutboxEntry>();
        await foreach (var entry in _table.QueryAsync<OutboxEntry>(MessageRowKeys.OutboxOf(id).Filter(id.PartitionKey), cancellationToken: cancellationToken))
            entries.Add(entry);
        return entries;
    }

    /// <summary>Removes entries whose events every sink has; ones already gone (another dispatcher) are fine.</summary>
    public async Task RemoveAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        try
        {
            await _table.SubmitTransactionAsync(
                entries.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            foreach (var entry in entries)
                await _table.DeleteEntityAsync(entry.PartitionKey, entry.RowKey, ETag.All, cancellationToken);
        }
    }

    private async ValueTask<bool> AnyWantsAsync(string session, CancellationToken cancellationToken)
    {
        foreach (var sink in _sinks)
            if (await sink.WantsAsync(session, cancellationToken))
                return true;
        return false;
    }

    [LoggerMessage(LogLevel.Warning, "Events of {About} could not be handed to {Sink}; they are tried again when due")]
    private partial void LogSinkFailed(string about, string sink, Exception exception);

    [LoggerMessage(LogLevel.Warning, "The events of message {MessageId} could not be queued ({Reason}); the sweeper queues them within {SweepAfter}")]
    private partial void LogAnnounceFailed(string messageId, TimeSpan sweepAfter, string reason);
}
