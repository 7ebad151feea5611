using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

/// <summary>
/// The <c>webhooklog</c> table: one partition per endpoint (<c>&lt;session&gt;|&lt;webhook id&gt;</c>), one row per
/// attempt keyed by inverted ticks, so the newest sort first and the recent ones are one short range read; reads show
/// the newest <see cref="WebhookOptions.LogSize"/>. An instance's first add to an endpoint's log and every
/// <see cref="TrimEvery"/>th after trim the partition back to that many rows: trimming reads the partition, which on
/// every add would cost a busy endpoint two calls and some twenty entities per attempt. So a log holds at most
/// <see cref="TrimEvery"/> - 1 rows more per instance adding to it.
/// </summary>
public sealed class WebhookLog(StorageClients storage, IOptions<WebhookOptions> options) : IWebhookLog
{
    public const int TrimEvery = 8;
    private const int MaxErrorLength = 1024;
    private const int TrimBatch = 100;
    private readonly TableClient _table = storage.Table(StorageNames.WebhookLogTable);
    private readonly ConcurrentDictionary<string, int> _addsSinceTrim = new();

    public static string PartitionOf(string session, string webhookId) => $"{session}|{webhookId}";

    public async Task AddAsync(string session, string webhookId, WebhookAttempt attempt, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(session, webhookId);
        // Inverted ticks put the newest first; the random tail keeps two attempts in the same tick apart.
        var rowKey = $"{DateTimeOffset.MaxValue.UtcTicks - attempt.At.UtcTicks:D19}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        await _table.AddFreshAsync(new TableEntity(partition, rowKey)
        {
            ["At"] = attempt.At,
            ["EventId"] = attempt.EventId,
            ["Status"] = attempt.Status,
            ["LatencyMs"] = attempt.LatencyMs,
            ["Error"] = attempt.Error is { Length: > MaxErrorLength } tooLong ? tooLong[..MaxErrorLength] : attempt.Error,
        }, cancellationToken);
        if (_addsSinceTrim.AddOrUpdate(partition, 0, (_, adds) => (adds + 1) % TrimEvery) == 0)
            await TrimAsync(partition, options.Value.LogSize, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookAttempt>> RecentAsync(string session, string webhookId, int max, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(session, webhookId);
        max = Math.Min(max, options.Value.LogSize);
        var attempts = new List<WebhookAttempt>(max);
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, maxPerPage: max, cancellationToken: cancellationToken))
        {
            attempts.Add(new WebhookAttempt(row.GetDateTimeOffset("At") ?? default, row.GetString("EventId") ?? "", row.GetInt32("Status"),
                row.GetInt64("LatencyMs") ?? 0, row.GetString("Error")));
            if (attempts.Count == max)
                break;
        }
        return attempts;
    }

    /// <summary>Removes an endpoint's whole log (its webhook was deleted).</summary>
    public Task ClearAsync(string session, string webhookId, CancellationToken cancellationToken)
    {
        _addsSinceTrim.TryRemove(PartitionOf(session, webhookId), out _);
        return TrimAsync(PartitionOf(session, webhookId), keep: 0, cancellationToken);
    }

    private async Task TrimAsync(string partition, int keep, CancellationToken cancellationToken)
    {
        var seen = 0;
        var doomed = new List<TableTransactionAction>();
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (++seen > keep)
                doomed.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, row.RowKey), ETag.All));
        }
        foreach (var batch in doomed.Chunk(TrimBatch))
        {
            try
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // Another instance removed some of these first, and a transaction is all or nothing: the rest go one by one.
                foreach (var action in batch)
                    await _table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken);
            }
        }
    }
}
