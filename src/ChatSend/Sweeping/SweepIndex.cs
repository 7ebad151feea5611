using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Sweeping;

/// <summary>
/// A partition of the messages table (a session's, <see cref="MessagePartitions"/>) that may have a work marker or outbox
/// entry falling due in <see cref="Minute"/>.
/// </summary>
public sealed record DueHint(string Minute, string Partition);

/// <summary>
/// Media staged under the blob-name <see cref="Prefix"/> and modified between <see cref="Since"/> and <see cref="Until"/>
/// (either open when null), to check for orphans from <see cref="Minute"/> on.
/// </summary>
public sealed record MediaHint(string Minute, string Prefix, DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>What one read of the index found: the hints due by now, and when the last full pass started (null: never).</summary>
public sealed record SweepAgenda(IReadOnlyList<DueHint> Due, IReadOnlyList<MediaHint> Media, DateTimeOffset? LastFullPass, ETag FullPassETag);

/// <summary>
/// Where the sweeper looks, so that an idle minute costs one read however many sessions and files are stored. A table
/// of hints, one partition per minute (UTC, <c>yyyyMMddHHmm</c>): <c>d:&lt;partition&gt;</c> says the session's partition of
/// the messages table (its id, or <c>&lt;session&gt;~&lt;k&gt;</c>) may have a work marker or outbox entry falling due in that minute; <c>m:&lt;blob-name prefix&gt;</c> says media was staged under
/// that prefix and is to be checked for orphans from that minute on (an <see cref="SweeperOptions.OrphanMediaAge"/> after
/// it was staged, and never before a fetch's <see cref="MediaOptions.Timeout"/> has passed). A hint is written before
/// the rows it points at, and each instance writes a hint once (it remembers what it wrote), so a message pays for one
/// only when it is the first of its partition in a minute on that instance. The markers and outbox entries stay the truth: a hint that could
/// not be written only leaves its session to the full pass (<see cref="SweeperOptions.FullPassInterval"/>), and a hint
/// too many is one query that finds nothing. The row <c>0/fullpass</c> sorts before every minute, so the read of the
/// due minutes also says when the last full pass started.
/// </summary>
public sealed partial class SweepIndex(
    StorageClients storage,
    IOptions<SweeperOptions> sweeper,
    IOptions<MediaOptions> media,
    TimeProvider time,
    ILogger<SweepIndex> logger)
{
    /// <summary>
    /// How long after its minute ends a session's hint stays: a write whose clock runs this far behind the sweeper's, or
    /// that takes this long to land after its hint, still has the hint when its row falls due.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    private const string DueKey = "d:";
    private const string MediaKey = "m:";
    private const string FullPassPartition = "0";
    private const string FullPassRow = "fullpass";
    private const string MinuteFormat = "yyyyMMddHHmm";

    // A hint further ahead (a scheduled message's) is written each time rather than remembered, so memory stays small.
    private static readonly TimeSpan RememberedAhead = TimeSpan.FromMinutes(15);

    // Blob names end in the message row key (26 characters): a prefix keeps its first 8 hex digits of inverted ticks,
    // so one prefix covers about seven minutes of one session's media.
    private const int RowKeyTailDropped = 18;

    private readonly TableClient _table = storage.Table(StorageNames.SweepIndexTable);

    // Hints this instance wrote, until the minute named beside each has passed.
    private readonly ConcurrentDictionary<(string Minute, string Key), string> _written = new();
    private string _prunedAt = "";

    public static string MinuteOf(DateTimeOffset time) => time.UtcDateTime.ToString(MinuteFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset StartOf(string minute) =>
        new(DateTime.ParseExact(minute, MinuteFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));

    /// <summary>Whether a partition's hint can go: its minute ended more than <see cref="Grace"/> before <paramref name="now"/>.</summary>
    public static bool Settled(DueHint hint, DateTimeOffset now) => StartOf(hint.Minute) + TimeSpan.FromMinutes(1) + Grace <= now;

    /// <summary>Notes the due rows (work markers, outbox entries) a transaction is about to write.</summary>
    public Task NoteDueAsync(IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken) =>
        NoteDueAsync(actions.Where(a => a.ActionType != TableTransactionActionType.Delete).Select(a => a.Entity).OfType<IDueRow>()
            .Select(r => (r.PartitionKey, r.Due)), cancellationToken);

    /// <summary>Notes that <paramref name="partition"/> will have rows due at <paramref name="dues"/>, before they are written.</summary>
    public Task NoteDueAsync(string partition, IEnumerable<DateTimeOffset> dues, CancellationToken cancellationToken) =>
        NoteDueAsync(dues.Select(d => (partition, d)), cancellationToken);

    private async Task NoteDueAsync(IEnumerable<(string Partition, DateTimeOffset Due)> rows, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // A row already due is found from this minute's hint: never one of a minute the sweeper may have settled.
        foreach (var (partition, minute) in rows.Select(r => (r.Partition, MinuteOf(r.Due > now ? r.Due : now))).Distinct())
        {
            var remember = string.CompareOrdinal(minute, MinuteOf(now + RememberedAhead)) <= 0;
            await WriteAsync(new TableEntity(minute, DueKey + partition), remember ? minute : null, now, cancellationToken);
        }
    }

    /// <summary>
    /// Notes media about to be staged as <paramref name="blobName"/>, to check an orphan age later that it belongs to a
    /// message. One hint covers every blob of the same prefix staged in the same minute.
    /// </summary>
    public Task NoteStagingAsync(string blobName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var minute = StartOf(MinuteOf(now));
        // The blob's time is the storage service's: a clock apart by up to the grace still finds it in the window.
        var prefix = MediaStager.TryParseBlobName(blobName, out _) ? blobName[..^RowKeyTailDropped] : blobName;
        var row = MediaRow(prefix, minute - Grace, minute + TimeSpan.FromMinutes(1) + media.Value.Timeout + Grace, now);
        return WriteAsync(row, MinuteOf(now), now, cancellationToken);
    }

    /// <summary>Notes a blob whose message was canceled, so the sweeper removes it if the delete that follows fails.</summary>
    public Task NoteOrphanAsync(string blobName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return WriteAsync(MediaRow(blobName, null, null, now), null, now, cancellationToken);
    }

    private TableEntity MediaRow(string prefix, DateTimeOffset? since, DateTimeOffset? until, DateTimeOffset now)
    {
        // Checked once this minute's blobs are an orphan age old and every fetch that started in it has ended.
        var due = StartOf(MinuteOf(now)) + TimeSpan.FromMinutes(1) + Max(sweeper.Value.OrphanMediaAge, media.Value.Timeout);
        var row = new TableEntity(MinuteOf(due), MediaKey + Uri.EscapeDataString(prefix));
        if (since is not null)
            row["Since"] = since;
        if (until is not null)
            row["Until"] = until;
        return row;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task WriteAsync(TableEntity row, string? rememberUntil, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_written.ContainsKey((row.PartitionKey, row.RowKey)))
            return;
        try
        {
            await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, cancellationToken))
        {
            LogNoteFailed(row.PartitionKey, row.RowKey, StorageFailure.Describe(ex));
            return;
        }
        if (rememberUntil is not null)
        {
            Prune(now);
            _written[(row.PartitionKey, row.RowKey)] = rememberUntil;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        var current = MinuteOf(now);
        if (current == _prunedAt)
            return;
        _prunedAt = current;
        foreach (var entry in _written)
            if (string.CompareOrdinal(entry.Value, current) < 0)
                _written.TryRemove(entry.Key, out _);
    }

    /// <summary>Every hint due by <paramref name="now"/> (its minute has come), and the full pass's record: one range read.</summary>
    public async Task<SweepAgenda> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (due, staged) = (new List<DueHint>(), new List<MediaHint>());
        (DateTimeOffset? At, ETag ETag) fullPass = (null, default);
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey le {MinuteOf(now)}"),
                           cancellationToken: cancellationToken))
        {
            if (row.PartitionKey == FullPassPartition)
                fullPass = (row.GetDateTimeOffset("At"), row.ETag);
            else if (row.RowKey.StartsWith(DueKey, StringComparison.Ordinal))
                due.Add(new DueHint(row.PartitionKey, row.RowKey[DueKey.Length..]));
            else if (row.RowKey.StartsWith(MediaKey, StringComparison.Ordinal))
                staged.Add(new MediaHint(row.PartitionKey, Uri.UnescapeDataString(row.RowKey[MediaKey.Length..]),
                    row.GetDateTimeOffset("Since"), row.GetDateTimeOffset("Until")));
        }
        return new SweepAgenda(due, staged, fullPass.At, fullPass.ETag);
    }

    /// <summary>
    /// Takes the full pass over every session when the last one started <see cref="SweeperOptions.FullPassInterval"/>
    /// ago or more (or never): true for the one sweeper whose ETag-guarded write of the start time landed.
    /// </summary>
    public async Task<bool> TakeFullPassAsync(SweepAgenda agenda, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (agenda.LastFullPass is { } last && now - last < sweeper.Value.FullPassInterval)
            return false;
        var record = new TableEntity(FullPassPartition, FullPassRow) { ["At"] = now };
        try
        {
            if (agenda.LastFullPass is null)
                await _table.AddEntityAsync(record, cancellationToken);
            else
                await _table.UpdateEntityAsync(record, agenda.FullPassETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            return false; // another sweeper took it
        }
    }

    public Task RemoveAsync(IEnumerable<DueHint> hints, CancellationToken cancellationToken) =>
        RemoveAsync(hints.Select(h => new TableEntity(h.Minute, DueKey + h.Partition)), cancellationToken);

    public Task RemoveAsync(IEnumerable<MediaHint> hints, CancellationToken cancellationToken) =>
        RemoveAsync(hints.Select(h => new TableEntity(h.Minute, MediaKey + Uri.EscapeDataString(h.Prefix))), cancellationToken);

    // A transaction per minute and hundred hints; one already gone (another sweeper's) fails its transaction, so those go one by one.
    private async Task RemoveAsync(IEnumerable<TableEntity> rows, CancellationToken cancellationToken)
    {
        foreach (var batch in rows.GroupBy(r => r.PartitionKey).SelectMany(minute => minute.Chunk(100)))
        {
            try
            {
                await _table.SubmitTransactionAsync(batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)),
                    cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                foreach (var row in batch)
                    await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "The sweeper's hint {Minute}/{Hint} could not be written ({Reason}); what it points at is found by the full pass")]
    private partial void LogNoteFailed(string minute, string hint, string reason);
}
