using Azure.Data.Tables;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace ChatSend.Providers;

/// <summary>
/// Which message of a session a provider's id belongs to, so a provider callback that only knows the provider's id finds
/// its message with one storage call. Written when the provider answers, before the answer is recorded, so a fast
/// callback finds it. Partition: the provider's id (escaped: ids may hold '/'), spreading the load; row: the provider's
/// name and the session, so an entry is found only by the session whose callback names it, and one session's send can
/// never take over another session's entry (a provider answering with an id it gave someone else). Entries written
/// before the session was part of the key (row: the provider's name alone) are still read, for their own session only.
/// An entry never changes once written, so the instance that wrote or read it keeps it in memory for a while: the
/// receipts that follow a send on that instance find their message without a read.
/// </summary>
public sealed class ProviderMessageIndex(StorageClients storage) : IDisposable
{
    private static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(10);
    private readonly TableClient _table = storage.Table(StorageNames.ProviderIdsTable);
    private readonly MemoryCache _known = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public async Task AddAsync(string provider, string providerMessageId, MessageId id, CancellationToken cancellationToken = default)
    {
        await _table.UpsertEntityAsync(new TableEntity(PartitionOf(providerMessageId), RowOf(provider, id.Session)) { ["MessageId"] = id.Value },
            TableUpdateMode.Replace, cancellationToken);
        Remember(provider, id.Session, providerMessageId, id);
    }

    /// <summary>The message of <paramref name="session"/> the provider's id names, or null when it names none of that session's.</summary>
    public async Task<MessageId?> FindAsync(string provider, string session, string providerMessageId, CancellationToken cancellationToken = default)
    {
        if (_known.TryGetValue((provider, session, providerMessageId), out MessageId known))
            return known;
        // One call for both rows: the session's own, and one written before sessions were part of the key.
        var (row, legacy) = (RowOf(provider, session), provider);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(providerMessageId)} and (RowKey eq {row} or RowKey eq {legacy})");
        MessageId? found = null;
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 2, select: ["RowKey", "MessageId"], cancellationToken))
        {
            if (MessageId.TryParse(entity.GetString("MessageId"), out var id) && id.Session == session && (found is null || entity.RowKey == row))
                found = id;
        }
        if (found is { } result)
            Remember(provider, session, providerMessageId, result);
        return found;
    }

    public void Dispose() => _known.Dispose();

    private void Remember(string provider, string session, string providerMessageId, MessageId id) =>
        _known.Set((provider, session, providerMessageId), id, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = KeptFor });

    private static string PartitionOf(string providerMessageId) => Uri.EscapeDataString(providerMessageId);

    private static string RowOf(string provider, string session) => provider + ":" + session;
}
