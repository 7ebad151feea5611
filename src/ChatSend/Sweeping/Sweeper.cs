using System.ComponentModel.DataAnnotations;
using ChatSend.Delivery;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Sweeping;

/// <summary><c>ChatSend:Sweeper</c>: how often the sweeper runs, when it visits every session, and when staged media without a message is removed.</summary>
public sealed class SweeperOptions
{
    public const string Section = "ChatSend:Sweeper";

    /// <summary>For the local host's timer; the Functions app runs the sweeper every minute (its timer's schedule).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan OrphanMediaAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a sweep visits every session rather than those <see cref="SweepIndex"/> names: the safety net for a lost hint.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan FullPassInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// What one sweep did; <see cref="Partitions"/> is how many partitions of the messages table it read (a session's one or
/// more, <see cref="MessagePartitions"/>), every session's when <see cref="FullPass"/>.
/// </summary>
public sealed record SweepResult(int Requeued, int OrphanBlobsDeleted, int EventsRequeued = 0, int Partitions = 0, bool FullPass = false);

/// <summary>
/// Gives every message with work ahead a way forward: each work marker whose due time has passed (a job never queued
/// or lost, a retry whose job was lost, a scheduled message whose time has come, a claim whose worker died) gets a new
/// job; every outbox entry whose due time passed (its events job lost, or a sink failing) gets its events job again;
/// and staged media that no message row points at after <see cref="SweeperOptions.OrphanMediaAge"/> is removed.
/// It reads only the partitions and media <see cref="SweepIndex"/> names for the minutes that have come, so an idle sweep
/// is one read; every <see cref="SweeperOptions.FullPassInterval"/> one sweep visits every partition of every session instead.
/// Safe on many instances at once: a marker is taken by moving its due time under its ETag, so only one sweeper queues
/// a job for it, and a job too many is harmless (the delivery claim decides).
/// </summary>
public sealed partial class Sweeper(
    SessionStore sessions,
    MessageStore messages,
    DeliveryQueue queue,
    EventOutbox outbox,
    SweepIndex index,
    OrphanMedia orphans,
    IOptions<DeliveryOptions> delivery,
    TimeProvider time,
    ILogger<Sweeper> logger)
{
    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var (requeued, events) = (0, 0);
        var now = time.GetUtcNow();
        var agenda = await index.ReadAsync(now, cancellationToken);
        var visit = agenda.Due.Select(h => h.Partition).ToHashSet(StringComparer.Ordinal);
        var fullPass = await index.TakeFullPassAsync(agenda, now, cancellationToken);
        if (fullPass)
            await foreach (var session in sessions.ListAsync(cancellationToken))
                visit.UnionWith(MessagePartitions.All(session));
        foreach (var partition in visit)
        {
            var due = await messages.DueRowsAsync(partition, now, cancellationToken).ToListAsync(cancellationToken);
            requeued += await RequeueDeliveriesAsync(due.OfType<WorkMarker>(), now, cancellationToken);
            events += await RequeueEventsAsync(due.OfType<OutboxEntry>(), now, cancellationToken);
        }
        await index.RemoveAsync(agenda.Due.Where(h => SweepIndex.Settled(h, now)), cancellationToken);
        var deleted = await orphans.RemoveAsync(agenda.Media, now, cancellationToken);
        if (fullPass)
            LogFullPass(visit.Count);
        if (requeued > 0 || deleted > 0 || events > 0)
            LogSwept(requeued, events, deleted);
        return new SweepResult(requeued, deleted, events, visit.Count, fullPass);
    }

    private async Task<int> RequeueDeliveriesAsync(IEnumerable<WorkMarker> markers, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var requeued = 0;
        foreach (var marker in markers)
        {
            if (!await messages.PostponeAsync(marker, now + delivery.Value.SweepAfter, cancellationToken))
                continue; // another sweeper took it, or the work ended meanwhile
            try
            {
                await queue.EnqueueAsync(new DeliveryJob(marker.MessageId), cancellationToken: cancellationToken);
                requeued++;
            }
            catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, cancellationToken))
            {
                LogQueueFailed(marker.MessageId.Value, StorageFailure.Describe(ex)); // due again after SweepAfter
            }
        }
        return requeued;
    }

    // One job per message however many of its entries are due, and one per chat for the received events waiting in a
    // chat's order: the job hands on all of them. The chat's other due entries are left for the next sweep, untouched.
    private async Task<int> RequeueEventsAsync(IEnumerable<OutboxEntry> due, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queued = new HashSet<MessageId>();
        var chats = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in due)
        {
            if (entry.OrderedChat is { } chat && chats.Contains(chat))
                continue;
            if (!await messages.PostponeAsync(entry, now + delivery.Value.SweepAfter, cancellationToken) || !queued.Add(entry.MessageId))
                continue;
            if (entry.OrderedChat is { } ordered)
                chats.Add(ordered);
            try
            {
                await outbox.EnqueueAsync(entry.MessageId, entry.OrderedChat, cancellationToken);
            }
            catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, cancellationToken))
            {
                queued.Remove(entry.MessageId);
                if (entry.OrderedChat is { } failed)
                    chats.Remove(failed);
                LogQueueFailed(entry.MessageId.Value, StorageFailure.Describe(ex));
            }
        }
        return queued.Count;
    }

    [LoggerMessage(LogLevel.Warning, "Sweeper could not queue a job for message {MessageId} ({Reason}); it is due again later")]
    private partial void LogQueueFailed(string messageId, string reason);

    [LoggerMessage(LogLevel.Information, "Sweeper's full pass read the due rows of {Partitions} partitions")]
    private partial void LogFullPass(int partitions);

    [LoggerMessage(LogLevel.Information, "Sweeper queued {Requeued} messages and the events of {Events} again, and removed {Deleted} orphan media files")]
    private partial void LogSwept(int requeued, int events, int deleted);
}
