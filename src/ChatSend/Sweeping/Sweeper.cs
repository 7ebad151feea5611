using System.ComponentModel.DataAnnotations;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ChatSend.Delivery;
using ChatSend.Events;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Sweeping;

/// <summary><c>ChatSend:Sweeper</c>: how often the sweeper runs, and when staged media without a message is removed.</summary>
public sealed class SweeperOptions
{
    public const string Section = "ChatSend:Sweeper";

    /// <summary>For the local host's timer; the Functions app runs the sweeper every minute (its timer's schedule).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan OrphanMediaAge { get; set; } = TimeSpan.FromHours(1);
}

public sealed record SweepResult(int Requeued, int OrphanBlobsDeleted, int EventsRequeued = 0);

/// <summary>
/// Gives every message with work ahead a way forward: each work marker whose due time has passed (a job never queued
/// or lost, a retry whose job was lost, a scheduled message whose time has come, a claim whose worker died) gets a new
/// job; every outbox entry whose due time passed (its events job lost, or a sink failing) gets its events job again;
/// and staged media that no message row points at after <see cref="SweeperOptions.OrphanMediaAge"/> is removed.
/// Safe on many instances at once: a marker is taken by moving its due time under its ETag, so only one sweeper queues
/// a job for it, and a job too many is harmless (the delivery claim decides).
/// </summary>
public sealed partial class Sweeper(
    SessionStore sessions,
    MessageStore messages,
    DeliveryQueue queue,
    EventOutbox outbox,
    StorageClients storage,
    IOptions<DeliveryOptions> delivery,
    IOptions<SweeperOptions> options,
    TimeProvider time,
    ILogger<Sweeper> logger)
{
    private readonly BlobContainerClient _media = storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);

    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var (requeued, events) = (0, 0);
        var now = time.GetUtcNow();
        await foreach (var session in sessions.ListIdsAsync(cancellationToken))
        {
            events += await RequeueEventsAsync(session, now, cancellationToken);
            await foreach (var marker in messages.DueMarkersAsync(session, now, cancellationToken))
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
        }
        var deleted = await DeleteOrphanMediaAsync(now, cancellationToken);
        if (requeued > 0 || deleted > 0 || events > 0)
            LogSwept(requeued, events, deleted);
        return new SweepResult(requeued, deleted, events);
    }

    // One job per message however many of its entries are due, and one per chat for the received events waiting in a
    // chat's order: the job hands on all of them. The chat's other due entries are left for the next sweep, untouched.
    private async Task<int> RequeueEventsAsync(string session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queued = new HashSet<MessageId>();
        var chats = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var entry in outbox.DueAsync(session, now, cancellationToken))
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

    private async Task<int> DeleteOrphanMediaAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var blob in _media.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken))
        {
            if (blob.Properties.LastModified > now - options.Value.OrphanMediaAge || !MediaStager.TryParseBlobName(blob.Name, out var id))
                continue;
            if (await messages.FindAsync(id, cancellationToken) is { } row && row.CurrentStatus != MessageStatus.Canceled)
                continue;
            try
            {
                // Only the blob as listed: one written again since (a retried send) stays.
                await _media.DeleteBlobIfExistsAsync(blob.Name, conditions: new BlobRequestConditions { IfMatch = blob.Properties.ETag },
                    cancellationToken: cancellationToken);
                deleted++;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 412)
            {
            }
        }
        return deleted;
    }

    [LoggerMessage(LogLevel.Warning, "Sweeper could not queue a job for message {MessageId} ({Reason}); it is due again later")]
    private partial void LogQueueFailed(string messageId, string reason);

    [LoggerMessage(LogLevel.Information, "Sweeper queued {Requeued} messages and the events of {Events} again, and removed {Deleted} orphan media files")]
    private partial void LogSwept(int requeued, int events, int deleted);
}
