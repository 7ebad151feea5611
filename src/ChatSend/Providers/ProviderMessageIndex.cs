using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace ChatSend.Providers;

/// <summary>
/// Which message of a session a provider's id belongs to, so a provider callback that only knows the provider's id finds
/// its message with one point read. The entry is a row in the message's own partition, the session's or its chat's
/// (<see cref="MessageRowKeys.ProviderIdOf"/>, the key customers' messages are indexed by too): written in the same
/// transaction as the change that records a send <c>sent</c> (<see cref="MessageStore.ProviderIdEntry"/>), and with a customer's message when
/// it is recorded. So a callback verified by one session's secret, which looks only in that session's partition, finds
/// only that session's messages, and no send of another session can take an entry over. A callback that comes before
/// the <c>sent</c> write finds nothing yet: its receipt is tried again (<see cref="Receipts.ReceiptHandler"/>).
/// <para>
/// Versions before this one wrote entries into a table of their own (<see cref="StorageNames.ProviderIdsTable"/>,
/// partition: the escaped provider's id; row: <c>&lt;provider&gt;:&lt;session&gt;</c>, or, earlier still, the provider alone).
/// They are still read, for their own session only, when the session's partition has no entry: one more call, for ids
/// not found there. Nothing writes that table any more.
/// </para>
/// An entry never changes once written, so the instance that wrote or read it keeps it in memory for a while: the
/// receipts that follow a send on that instance find their message without a read.
/// <para>
/// A session with several partitions (<see cref="MessagePartitions"/>) has each entry in the partition of its message's
/// chat. A lookup that knows the chat (a provider's status names its recipient) reads that partition first, and the
/// others (at once) only when the entry is not there; one that does not know it reads them all at once. (One query over
/// the partitions for the row key would not be one read: tables index only partition and row key, so it would read
/// every row of the partitions between.)
/// </para>
/// </summary>
public sealed class ProviderMessageIndex(MessageStore messages, StorageClients storage) : IDisposable
{
    private static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(10);
    private readonly TableClient _earlierEntries = storage.Table(StorageNames.ProviderIdsTable);
    private readonly MemoryCache _known = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    /// <summary>Keeps an entry this instance has just written in memory, so the receipts that follow need no read.</summary>
    public void Written(string provider, string providerMessageId, MessageId id) => Remember(provider, id.Session, providerMessageId, id);

    /// <summary>
    /// The message of <paramref name="session"/> the provider's id names, or null when it names none of that session's (yet).
    /// <paramref name="chat"/>, when the caller knows it, is the chat the message is likely in: its partition is read first.
    /// <paramref name="earlierEntries"/> false skips the table of earlier versions, for a lookup that already read it.
    /// </summary>
    public async Task<MessageId?> FindAsync(string provider, string session, int partitions, string providerMessageId, string? chat = null,
        bool earlierEntries = true, CancellationToken cancellationToken = default)
    {
        if (_known.TryGetValue((provider, session, providerMessageId), out MessageId known))
            return known;
        var found = await FindInPartitionsAsync(provider, session, partitions, providerMessageId, chat, cancellationToken)
                    ?? (earlierEntries ? await FindEarlierAsync(provider, session, providerMessageId, cancellationToken) : null);
        if (found is { } result)
            Remember(provider, session, providerMessageId, result);
        return found;
    }

    /// <summary><see cref="FindAsync(string, string, int, string, string?, bool, CancellationToken)"/> for a session as stored.</summary>
    public Task<MessageId?> FindAsync(string provider, Session session, string providerMessageId, string? chat = null,
        CancellationToken cancellationToken = default) =>
        FindAsync(provider, session.Id, session.Partitions, providerMessageId, chat, cancellationToken: cancellationToken);

    private async Task<MessageId?> FindInPartitionsAsync(string provider, string session, int count, string providerMessageId, string? chat,
        CancellationToken cancellationToken)
    {
        var partitions = MessagePartitions.All(session, count);
        if (partitions.Count > 1 && chat is not null)
        {
            var likely = MessagePartitions.KeyOf(session, MessagePartitions.Of(chat, count));
            if (await messages.FindByProviderIdAsync([likely], provider, providerMessageId, cancellationToken) is { } id)
                return id;
            partitions = partitions.Where(p => p != likely).ToList();
        }
        return await messages.FindByProviderIdAsync(partitions, provider, providerMessageId, cancellationToken);
    }

    /// <summary>An entry of the table earlier versions wrote: one call for both of its row shapes, the session's own and the provider's alone.</summary>
    private async Task<MessageId?> FindEarlierAsync(string provider, string session, string providerMessageId, CancellationToken cancellationToken)
    {
        var (row, older) = (provider + ":" + session, provider);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {Uri.EscapeDataString(providerMessageId)} and (RowKey eq {row} or RowKey eq {older})");
        MessageId? found = null;
        try
        {
            await foreach (var entity in _earlierEntries.QueryAsync<TableEntity>(filter, maxPerPage: 2, select: ["RowKey", "MessageId"], cancellationToken))
            {
                if (MessageId.TryParse(entity.GetString("MessageId"), out var id) && id.Session == session && (found is null || entity.RowKey == row))
                    found = id;
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null; // a deployment that never had the table
        }
        return found;
    }

    public void Dispose() => _known.Dispose();

    private void Remember(string provider, string session, string providerMessageId, MessageId id) =>
        _known.Set((provider, session, providerMessageId), id, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = KeptFor });
}
