using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
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
    IOptions<DeliveryOptions> delivery,
    TimeProvider time,
    ILogger<EventOutbox> logger)
{
    private readonly IEventSink[] _sinks = sinks.ToArray();
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);
    private readonly QueueClient _queue = storage.Queue(StorageNames.EventsQueue);

    public IReadOnlyList<IEventSink> Sinks => _sinks;

    /// <summary>
    /// The entries to write with <paramref name="row"/>'s change: one per status it reached, if any sink wants the session's
    /// events. A customer's message whose file is still being fetched gets none: its events wait for the write that
    /// settles the file, which reaches its whole history again (<see cref="MessageEntity.ReachAgain"/>), so the
    /// <c>received</c> event shows the message with its media, once.
    /// </summary>
    public async ValueTask<IReadOnlyList<OutboxEntry>> EntriesForAsync(MessageEntity row, CancellationToken cancellationToken)
    {
        if (row.Reached.Count == 0 || row.MediaPending || !await AnyWantsAsync(row.PartitionKey, cancellationToken))
            return [];
        var first = row.GetHistory().Count - row.Reached.Count;
        var due = time.GetUtcNow() + delivery.Value.SweepAfter;
        return row.Reached.Select((change, i) => OutboxEntry.For(row.MessageId, first + i, change, due)).ToList();
    }

    /// <summary>Queues the job that hands <paramref name="id"/>'s pending events on; if that fails, the sweeper does it later.</summary>
    public async Task AnnounceAsync(MessageId id)
    {
        try
        {
            await EnqueueAsync(id, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogAnnounceFailed(id.Value, delivery.Value.SweepAfter, StorageFailure.Describe(ex));
        }
    }

    public Task EnqueueAsync(MessageId id, CancellationToken cancellationToken) =>
        _queue.SendMessageAsync(QueueMessages.Serialize(new EventJob(id)), timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);

    /// <summary>The message's pending entries, in status order.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> PendingAsync(MessageId id, CancellationToken cancellationToken)
    {
        var entries = new List<OutboxEntry>();
        await foreach (var entry in _table.QueryAsync<OutboxEntry>(MessageRowKeys.OutboxOf(id).Filter(id.Session), cancellationToken: cancellationToken))
            entries.Add(entry);
        return entries;
    }

    /// <summary>A session's entries whose due time passed: their job was lost, or their sinks kept failing.</summary>
    public IAsyncEnumerable<OutboxEntry> DueAsync(string session, DateTimeOffset now, CancellationToken cancellationToken) =>
        _table.QueryAsync<OutboxEntry>($"{MessageRowKeys.Outbox.Filter(session)} and {TableClient.CreateQueryFilter($"Due le {now}")}",
            cancellationToken: cancellationToken);

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

    [LoggerMessage(LogLevel.Warning, "The events of message {MessageId} could not be queued ({Reason}); the sweeper queues them within {SweepAfter}")]
    private partial void LogAnnounceFailed(string messageId, TimeSpan sweepAfter, string reason);
}
