using System.Security.Cryptography;
using Azure.Data.Tables;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Auth;

/// <summary>
/// API keys table: partition = key id, the row holds the key's hash and its session scope.
/// Rows read are reused for <see cref="CacheOptions.ApiKeys"/>; the presented key is still hashed and compared with the
/// stored hash on every request.
/// </summary>
public sealed class ApiKeyStore(StorageClients storage, TimeProvider time, IOptions<CacheOptions> cache) : IDisposable
{
    private const string RowKey = "key";
    private static readonly byte[] NoKey = new byte[32];
    private readonly TableClient _table = storage.Table(StorageNames.ApiKeysTable);
    private readonly ReadCache<TableEntity> _rows = new(time, cache.Value.ApiKeys);

    /// <summary>Creates a key for the given sessions (or <c>*</c>) and returns it; it is not stored and cannot be shown again.</summary>
    public async Task<string> CreateAsync(string name, IReadOnlyCollection<string> sessions, CancellationToken cancellationToken = default)
    {
        if (sessions.Count == 0 || sessions.Any(s => s != ApiKeyScope.All && !SessionId.IsValid(s)))
            throw new ArgumentException($"List '*' or session ids ({SessionId.Rule}).", nameof(sessions));
        var (keyId, key) = ApiKey.Generate();
        await _table.AddFreshAsync(new TableEntity(keyId, RowKey)
        {
            ["Name"] = name,
            ["Hash"] = ApiKey.Hash(key),
            ["Sessions"] = string.Join(',', sessions),
            ["CreatedAt"] = time.GetUtcNow(),
            ["Revoked"] = false,
        }, cancellationToken);
        return key;
    }

    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken = default)
    {
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(keyId, RowKey) { ["Revoked"] = true }, Azure.ETag.All,
                TableUpdateMode.Merge, cancellationToken);
            _rows.Forget(keyId);
            return true;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>The scope of the key, or null when it is malformed, unknown or revoked.</summary>
    public async Task<ApiKeyScope?> AuthenticateAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!ApiKey.TryParse(key, out var keyId))
            return null;

        var entity = await _rows.GetAsync(keyId, async ct =>
        {
            var response = await _table.GetEntityIfExistsAsync<TableEntity>(keyId, RowKey, cancellationToken: ct);
            return response.HasValue ? response.Value : null;
        }, cancellationToken);
        var stored = entity?.GetBinary("Hash") ?? NoKey;
        var matches = CryptographicOperations.FixedTimeEquals(stored, ApiKey.Hash(key));
        if (entity is null || !matches || entity.GetBoolean("Revoked") == true)
            return null;
        return ApiKeyScope.Parse(keyId, entity.GetString("Sessions"));
    }

    public void Dispose() => _rows.Dispose();
}
