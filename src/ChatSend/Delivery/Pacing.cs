using System.ComponentModel.DataAnnotations;
using Azure;
using Azure.Data.Tables;
using ChatSend.Providers;
using ChatSend.Providers.Settings;
using ChatSend.Sessions;
using ChatSend.Storage;
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
/// the time it may go.
/// </summary>
public sealed class SessionPacer(StorageClients storage, IOptions<PacingOptions> options, TimeProvider time)
{
    private const string RecentRow = "recent";
    private const int MaxConflictRetries = 50;
    private readonly TableClient _table = storage.Table(StorageNames.PacingTable);

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
        var window = options.Value.Window;
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            // Each row only when its limit is on; read together, as they are written together.
            var readRecent = max is null ? null : ReadAsync(session.Id, RecentRow, cancellationToken);
            var readLast = gap is null ? null : ReadAsync(session.Id, RecipientRow(recipient), cancellationToken);
            var recent = readRecent is null ? null : await readRecent;
            var last = readLast is null ? null : await readLast;
            // A little past the window and the gap, so the time between taking a place and the provider seeing the send
            // (at most MaxTakeLatency, see below) cannot crowd them.
            var counts = SendCounts.Read(recent, SendCounts.SlotOf(window), window + Margin, now);
            var freeAt = max is { } m ? counts.FreeAt(m, now) : now;
            if (last is not null && Times(last) is [.., var previous] && previous + gap!.Value + Margin > freeAt)
                freeAt = previous + gap.Value + Margin;
            if (freeAt > now)
                return freeAt + (defaults.Jitter ? Jitter(window / Math.Max(1, max ?? 1)) : TimeSpan.Zero);
            try
            {
                // One partition, one transaction: the window and the recipient's gap are taken together or not at all.
                var stamp = time.GetUtcNow();
                List<TableTransactionAction> writes = [];
                if (max is not null)
                    writes.Add(Write(counts.Add(stamp).ToEntity(session.Id, RecentRow), recent));
                if (gap is not null)
                    writes.Add(Write(new TableEntity(session.Id, RecipientRow(recipient)) { ["Times"] = Pack([stamp]) }, last));
                await _table.SubmitTransactionAsync(writes, cancellationToken);
                // A take that landed long after its stamp no longer says when the send happens: it stays counted (the
                // safe side) and the send waits for a fresh one.
                var landed = time.GetUtcNow();
                return landed - stamp > MaxTakeLatency ? landed : null;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxConflictRetries)
            {
                // Another instance took a place meanwhile: count again.
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
}
