using Azure;
using Azure.Data.Tables;
using ChatSend.Storage;

namespace ChatSend.Messages;

/// <summary>Messages table. Status changes are read-modify-write guarded by the row's ETag.</summary>
public sealed class MessageStore(StorageClients storage)
{
    private const int MaxConcurrencyRetries = 20;
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);

    public async Task<MessageEntity> InsertAsync(MessageEntity message, CancellationToken cancellationToken = default)
    {
        var response = await _table.AddEntityAsync(message, cancellationToken);
        message.ETag = response.Headers.ETag ?? ETag.All;
        return message;
    }

    public async Task<MessageEntity?> FindAsync(MessageId id, CancellationToken cancellationToken = default)
    {
        var response = await _table.GetEntityIfExistsAsync<MessageEntity>(id.Session, id.RowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Removes a row this request wrote, unless something changed it since.</summary>
    public async Task DeleteAsync(MessageEntity message, CancellationToken cancellationToken = default)
    {
        try
        {
            await _table.DeleteEntityAsync(message, message.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404)
        {
        }
    }

    /// <summary>The newest messages of a session first: one partition, read in row-key order.</summary>
    public async Task<IReadOnlyList<MessageEntity>> ListAsync(string session, int max, CancellationToken cancellationToken = default)
    {
        var list = new List<MessageEntity>(max);
        await foreach (var entity in _table.QueryAsync<MessageEntity>(e => e.PartitionKey == session,
                           maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken))
        {
            list.Add(entity);
            if (list.Count == max)
                break;
        }
        return list;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current row and writes it back if the row did not change
    /// meanwhile; on a concurrent write it reads again and retries. Returns the row as stored, or null when
    /// there is no such message. <paramref name="change"/> returns false when it has nothing to write.
    /// </summary>
    public async Task<MessageEntity?> UpdateAsync(MessageId id, Func<MessageEntity, bool> change, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await FindAsync(id, cancellationToken);
            if (current is null || !change(current))
                return current;
            try
            {
                var response = await _table.UpdateEntityAsync(current, current.ETag, TableUpdateMode.Replace, cancellationToken);
                current.ETag = response.Headers.ETag ?? current.ETag;
                return current;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxConcurrencyRetries)
            {
            }
        }
    }
}
