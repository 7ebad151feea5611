using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace ChatSend.Webhooks;

/// <summary>
/// For each webhook endpoint and chat, the next <c>chatsequence</c> the endpoint is owed (a row in the session's partition
/// of the messages table, <see cref="MessageRowKeys.WebhookCursorOf"/>), so a chat's received events reach it in order
/// across instances and retries: a job posts only when the cursor has come to its first event, and moves it on past the
/// events it settled (delivered, refused, or given up on). The sink starts a cursor at the first event it queues for the
/// endpoint in that chat. Cursors are kept per <see cref="WebhookEntity.ChatEpoch"/>: an endpoint that starts getting
/// received events again gets new ones, and the jobs of an older epoch are dropped. A cursor that is missing all the same
/// starts at the job in hand.
/// Where this instance moved a cursor last, it knows the cursor is at least there (cursors only move forward), so a job
/// that comes next posts without reading it: at worst another instance delivered it already, and the endpoint gets a
/// duplicate it dedupes on.
/// </summary>
public sealed class WebhookChatCursors(StorageClients storage) : IDisposable
{
    private const string NextProperty = "Next";
    private const int MaxWriteAttempts = 5;
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);
    private readonly MemoryCache _started = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly MemoryCache _moved = new(new MemoryCacheOptions { SizeLimit = 100_000 }); // where this instance moved each cursor last

    public sealed record Cursor(long Next, ETag ETag);

    /// <summary>Makes sure the cursor exists, at <paramref name="first"/> if it is new; remembered here, so one write per endpoint and chat.</summary>
    public async Task StartAsync(string session, string webhook, int epoch, string chat, long first, CancellationToken cancellationToken)
    {
        var key = MessageRowKeys.WebhookCursorOf(webhook, epoch, chat);
        if (_started.TryGetValue(session + "|" + key, out _))
            return;
        try
        {
            await _table.AddEntityAsync(new TableEntity(session, key) { [NextProperty] = first }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Started before (by this endpoint's earlier events, another instance, or this add's lost answer).
        }
        _started.Set(session + "|" + key, true, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });
    }

    /// <summary>The cursor; without a call when this instance moved it to <paramref name="expected"/> itself.</summary>
    public async Task<Cursor?> ReadAsync(string session, string webhook, int epoch, string chat, long expected, CancellationToken cancellationToken)
    {
        if (_moved.TryGetValue(session + "|" + MessageRowKeys.WebhookCursorOf(webhook, epoch, chat), out Cursor? moved) && moved!.Next == expected)
            return moved;
        return await ReadAsync(session, webhook, epoch, chat, cancellationToken);
    }

    public async Task<Cursor?> ReadAsync(string session, string webhook, int epoch, string chat, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(session, MessageRowKeys.WebhookCursorOf(webhook, epoch, chat), [NextProperty],
            cancellationToken);
        return row.HasValue && row.Value!.GetInt64(NextProperty) is { } next ? new Cursor(next, row.Value.ETag) : null;
    }

    /// <summary>Moves the cursor on to <paramref name="next"/>, never back: a duplicate job that settled less leaves it where it is.</summary>
    public async Task AdvanceAsync(string session, string webhook, int epoch, string chat, Cursor? known, long next, CancellationToken cancellationToken)
    {
        var key = MessageRowKeys.WebhookCursorOf(webhook, epoch, chat);
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            if (known is { } cursor && cursor.Next >= next)
                return;
            var row = new TableEntity(session, key) { [NextProperty] = next };
            try
            {
                var response = known is null
                    ? await _table.AddEntityAsync(row, cancellationToken)
                    : await _table.UpdateEntityAsync(row, known.ETag, TableUpdateMode.Replace, cancellationToken);
                _moved.Set(session + "|" + key, new Cursor(next, response.Headers.ETag ?? ETag.All),
                    new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                _moved.Remove(session + "|" + key);
                known = await ReadAsync(session, webhook, epoch, chat, cancellationToken); // moved meanwhile: only ever forward
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                _moved.Remove(session + "|" + key);
                return; // cleared: the endpoint was reconfigured
            }
        }
    }

    /// <summary>Removes an endpoint's cursors of every epoch (it was deleted).</summary>
    public async Task ClearAsync(string session, string webhook, CancellationToken cancellationToken)
    {
        var rows = new List<TableTransactionAction>();
        await foreach (var row in _table.QueryAsync<TableEntity>(MessageRowKeys.WebhookCursors(webhook).Filter(session), select: ["RowKey"],
                           cancellationToken: cancellationToken))
            rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(session, row.RowKey), ETag.All));
        foreach (var batch in rows.Chunk(100))
        {
            try
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                foreach (var action in batch)
                    await _table.DeleteEntityAsync(session, action.Entity.RowKey, ETag.All, cancellationToken);
            }
        }
    }

    public void Dispose()
    {
        _started.Dispose();
        _moved.Dispose();
    }
}
