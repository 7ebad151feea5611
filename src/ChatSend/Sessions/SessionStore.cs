using System.Text.Json;
using Azure.Data.Tables;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Sessions;

/// <summary>
/// Sessions table: one partition per session, so each lookup is a point read. Sessions read are reused for
/// <see cref="CacheOptions.Sessions"/>.
/// </summary>
public sealed class SessionStore(StorageClients storage, TimeProvider time, IOptions<CacheOptions> cache) : IDisposable
{
    private const string RowKey = "session";
    private readonly TableClient _table = storage.Table(StorageNames.SessionsTable);
    private readonly ReadCache<Session> _sessions = new(time, cache.Value.Sessions);

    public Task<Session?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        SessionId.IsValid(id) ? _sessions.GetAsync(id, ct => ReadAsync(id, ct), cancellationToken) : Task.FromResult<Session?>(null);

    private async Task<Session?> ReadAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(id, RowKey, cancellationToken: cancellationToken);
        if (!response.HasValue || response.Value is not { } e)
            return null;
        return new Session(id, e.GetString("SenderPhone") ?? "", e.GetString("Provider") ?? "", Map(e.GetString("ProviderSettings")),
            e.GetBoolean("Enabled") ?? false, Map(e.GetString("SecretNames")));
    }

    /// <summary>Every registered session's id (one small partition each).</summary>
    public async IAsyncEnumerable<string> ListIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entity in _table.QueryAsync<TableEntity>(select: ["PartitionKey"], cancellationToken: cancellationToken))
            yield return entity.PartitionKey;
    }

    private static Dictionary<string, string> Map(string? json) =>
        json is { Length: > 0 } ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : [];

    public async Task UpsertAsync(Session session, CancellationToken cancellationToken = default)
    {
        if (!SessionId.IsValid(session.Id))
            throw new ArgumentException($"A session id is {SessionId.Rule}.", nameof(session));
        var entity = new TableEntity(session.Id, RowKey)
        {
            ["SenderPhone"] = session.SenderPhone,
            ["Provider"] = session.Provider,
            ["ProviderSettings"] = JsonSerializer.Serialize(session.ProviderSettings),
            ["SecretNames"] = JsonSerializer.Serialize(session.SecretNames ?? new Dictionary<string, string>()),
            ["Enabled"] = session.Enabled,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        _sessions.Forget(session.Id);
    }

    public void Dispose() => _sessions.Dispose();
}
