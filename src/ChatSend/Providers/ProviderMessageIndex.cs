using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;
using ChatSend.Storage;

namespace ChatSend.Providers;

/// <summary>
/// Which message a provider's id belongs to, so a webhook that only knows the provider's id finds its message with
/// one point read. Written when the provider answers, before the answer is recorded, so a fast webhook finds it.
/// Partition: the provider's id (escaped: ids may hold '/'), spreading the load; row: the provider's name.
/// </summary>
public sealed class ProviderMessageIndex(StorageClients storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.ProviderIdsTable);

    public async Task AddAsync(string provider, string providerMessageId, MessageId id, CancellationToken cancellationToken = default) =>
        await _table.UpsertEntityAsync(new TableEntity(Key(providerMessageId), provider) { ["MessageId"] = id.Value },
            TableUpdateMode.Replace, cancellationToken);

    public async Task<MessageId?> FindAsync(string provider, string providerMessageId, CancellationToken cancellationToken = default)
    {
        var entity = await _table.GetEntityIfExistsAsync<TableEntity>(Key(providerMessageId), provider, cancellationToken: cancellationToken);
        return entity.HasValue && MessageId.TryParse(entity.Value!.GetString("MessageId"), out var id) ? id : null;
    }

    private static string Key(string providerMessageId) => Uri.EscapeDataString(providerMessageId);
}
