using System.ComponentModel.DataAnnotations;
using Azure;
using Azure.Data.Tables;
using ChatSend.Providers;
using ChatSend.Providers.Settings;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ChatSend.Delivery;

/// <summary><c>ChatSend:Pacing</c>: the window <c>maxPerMinute</c> counts in (a minute; tests shorten it).</summary>
public sealed class PacingOptions
{
    public const string Section = "ChatSend:Pacing";

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>A provider's pacing when the session sets none: sends per window, the gap per recipient, and whether to add jitter.</summary>
public sealed record PacingDefaults(int? MaxPerMinute, TimeSpan? MinRecipientGap, bool Jitter)
{
    public static PacingDefaults None { get; } = new(null, null, Jitter: false);
}

/// <summary>
/// Pacing per session, across every instance: a session sends at most <c>maxPerMinute</c> messages in any window, and
/// waits <c>minRecipientGapSeconds</c> between two messages to the same recipient. The session's recent sends live in one
/// entity (partition: the session) as counts per slot (<see cref="SendCounts"/>), the last send per recipient in another,
/// both taken under their ETags, so two instances cannot both use the last place in a window. A send that has to wait gets
/// the time it may go. On one instance a session's takes go one at a time and start from the row this instance last
/// wrote, so deliveries at once neither refuse each other's writes nor read the session's row before each: a take is one
/// transaction (and a read of the recipient's row when a gap is set), with a read of the session's row only after
/// another instance wrote it (its ETag refused) or before answering "wait".
/// </summary>
public sealed class SessionPacer(StorageClients storage, IOptions<PacingOptions> options, TimeProvider time) : IDisposable
{
    private const string RecentRow = "recent";
    private const int MaxConflictRetries = 50;
    private readonly TableClient _table = storage.Table(StorageNames.PacingTable);
    private readonly StripedLocks _turns = new(1024);
    private readonly MemoryCache _written = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public static (int? MaxPerMinute, TimeSpan? Gap) Limits(Session session, PacingDefaults defaults)
    {
        var settings = ProviderSettingsSchema.Read<ProviderSettings>(session);
        return (settings.MaxPerMinute is { } max ? max > 0 ? max : null : defaults.MaxPerMinute,
            settings.MinRecipientGapSeconds is { } gap ? gap > 0 ? TimeSpan.FromSeconds(gap) : null : defaults.MinRecipientGap);
    }

    /// <summary>Takes a place for a send to <paramref name="recipient"/> now, or returns when one is free (nothing taken then).</summary>
    public async Task<DateTimeOffset?> TryTakeAsync(Session session, PacingDefaults defaults, string recipient, CancellationToken cancellationToken)
    {
        var (max, gap) = Limits(session, defaults);
        if (max is null && gap is null)
            return null;
        using var turn = await _turns.TakeAsync(session.Id, cancellationToken);
        try
        {
            return await TakeAsync(session.Id, max, gap, defaults.Jitter, recipient, cancellationToken);
        }
        catch
        {
            _written.Remove(session.Id); // refused, or its outcome unknown: the row as stored decides next time
            throw;
        }
    }

    private async Task<DateTimeOffset?> TakeAsync(string session, int? max, TimeSpan? gap, bool jitter, string recipient,
        CancellationToken cancellationToken)
    {
        var window = options.Value.Window;
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            // Each row only when its limit is on; read together, as they are written together. The session's row as this
            // instance wrote it last, if it did: another instance's write since shows as a refused ETag.
            var known = attempt == 0 && max is not null ? _written.Get<TableEntity>(session) : null;
            var readRecent = max is null || known is not null ? null : ReadAsync(session, RecentRow, cancellationToken);
            var readLast = gap is null ? null : ReadAsync(session, RecipientRow(recipient), cancellationToken);
            var recent = known ?? (readRecent is null ? null : await readRecent);
            var last = readLast is null ? null : await readLast;
            // A little past the window and the gap, so the time between taking a place and the provider seeing the send
            // (at most MaxTakeLatency, see below) cannot crowd them.
            var counts = SendCounts.Read(recent, SendCounts.SlotOf(window), window + Margin, now);
            var freeAt = max is { } m ? counts.FreeAt(m, now) : now;
            if (last is not null && Times(last) is [.., var previous] && previous + gap!.Value + Margin > freeAt)
                freeAt = previous + gap.Value + Margin;
            if (freeAt > now && known is not null)
                continue; // a wait is decided on the row as stored
            if (freeAt > now)
                return freeAt + (jitter ? Jitter(window / Math.Max(1, max ?? 1)) : TimeSpan.Zero);
            try
            {
                // One partition, one transaction: the window and the recipient's gap are taken together or not at all.
                var stamp = time.GetUtcNow();
                var taken = max is null ? null : counts.Add(stamp).ToEntity(session, RecentRow);
                List<TableTransactionAction> writes = [];
                if (taken is not null)
                    writes.Add(Write(taken, recent));
                if (gap is not null)
                    writes.Add(Write(new TableEntity(session, RecipientRow(recipient)) { ["Times"] = Pack([stamp]) }, last));
                var responses = await _table.SubmitTransactionAsync(writes, cancellationToken);
                if (taken is not null && responses.Value[0].Headers.ETag is { } etag)
                {
                    taken.ETag = etag;
                    _written.Set(session, taken, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = window + Margin });
                }
                // A take that landed long after its stamp no longer says when the send happens: it stays counted (the
                // safe side) and the send waits for a fresh one.
                var landed = time.GetUtcNow();
                return landed - stamp > MaxTakeLatency ? landed : null;
            }
            catch (RequestFailedException ex) when ((ex.Status is 409 or 412 || (ex.Status == 404 && known is not null)) && attempt < MaxConflictRetries)
            {
                // Another instance took a place meanwhile (or the row this instance wrote is gone): count again, as stored.
                _written.Remove(session);
            }
        }
    }

    private async Task<TableEntity?> ReadAsync(string session, string row, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(session, row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private static TableTransactionAction Write(TableEntity entity, TableEntity? read) =>
        read is null
            ? new TableTransactionAction(TableTransactionActionType.Add, entity)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, read.ETag);

    // Recipient rows by a hash: phone numbers and JIDs stay out of keys (and logs).
    private static string RecipientRow(string recipient) =>
        "to-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(recipient)))[..32];

    /// <summary>Send times as the recipient rows keep them (and the session row did before <see cref="SendCounts"/>).</summary>
    internal static List<DateTimeOffset> Times(TableEntity? entity) =>
        entity?.GetBinary("Times") is { } bytes
            ? Enumerable.Range(0, bytes.Length / 8).Select(i => new DateTimeOffset(BitConverter.ToInt64(bytes, i * 8), TimeSpan.Zero)).ToList()
            : [];

    private static byte[] Pack(IReadOnlyList<DateTimeOffset> times) => times.SelectMany(t => BitConverter.GetBytes(t.UtcTicks)).ToArray();

    private static readonly TimeSpan MaxTakeLatency = TimeSpan.FromMilliseconds(250);

    private TimeSpan Margin => TimeSpan.FromTicks(Math.Max((MaxTakeLatency + TimeSpan.FromMilliseconds(50)).Ticks, options.Value.Window.Ticks / 50));

    private static TimeSpan Jitter(TimeSpan interval) => interval * (Random.Shared.NextDouble() * 0.5);

    public void Dispose() => _written.Dispose();
}
