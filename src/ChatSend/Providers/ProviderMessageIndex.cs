using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace ChatSend.Providers;

/// <summary>
/// Which message a provider's id belongs to, so a provider callback that only knows the provider's id finds its message with
/// one point read. Written when the provider answers, before the answer is recorded, so a fast callback finds it.
/// Partition: the provider's id (escaped: ids may hold '/'), spreading the load; row: the provider's name.
/// An entry never changes once written, so the instance that wrote or read it keeps it in memory for a while: the
/// receipts that follow a send on that instance find their message without a read. Finding a message here proves
/// nothing about who may change it: <see cref="Receipts.ReceiptHandler"/> checks that it belongs to the session whose
/// secret verified the callback.
/// </summary>
public sealed class ProviderMessageIndex(StorageClients storage) : IDisposable
{
    private static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(10);
    private readonly TableClient _table = storage.Table(StorageNames.ProviderIdsTable);
    private readonly MemoryCache _known = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public async Task AddAsync(string provider, string providerMessageId, MessageId id, CancellationToken cancellationToken = default)
    {
        await _table.UpsertEntityAsync(new TableEntity(Key(providerMessageId), provider) { ["MessageId"] = id.Value },
            TableUpdateMode.Replace, cancellationToken);
        Remember(provider, providerMessageId, id);
    }

    public async Task<MessageId?> FindAsync(string provider, string providerMessageId, CancellationToken cancellationToken = default)
    {
        if (_known.TryGetValue((provider, providerMessageId), out MessageId known))
            return known;
        var entity = await _table.GetEntityIfExistsAsync<TableEntity>(Key(providerMessageId), provider, cancellationToken: cancellationToken);
        if (!entity.HasValue || !MessageId.TryParse(entity.Value!.GetString("MessageId"), out var id))
            return null;
        Remember(provider, providerMessageId, id);
        return id;
    }

    public void Dispose() => _known.Dispose();

    private void Remember(string provider, string providerMessageId, MessageId id) =>
        _known.Set((provider, providerMessageId), id, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = KeptFor });

    private static string Key(string providerMessageId) => Uri.EscapeDataString(providerMessageId);
}
