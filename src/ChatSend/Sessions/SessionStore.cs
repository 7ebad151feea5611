using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Sessions;

/// <summary>
/// Sessions table: one partition per session, so each lookup is a point read. Sessions read are reused for
/// <see cref="CacheOptions.Sessions"/>. Beside them, the index rows of each <see cref="SessionAlias"/>, kept in step on
/// every write: the new name's row before the session, the old name's removed after it, so a stored session always has
/// its row (a row left by a write that failed half-way names a session that does not have the name, which the reader checks).
/// </summary>
public sealed class SessionStore(StorageClients storage, TimeProvider time, IOptions<CacheOptions> cache, IEnumerable<SessionAlias> aliases)
    : IDisposable
{
    private const string RowKey = "session";
    private readonly TableClient _table = storage.Table(StorageNames.SessionsTable);
    private readonly ReadCache<Session> _sessions = new(time, cache.Value.Sessions);
    private readonly ReadCache<IReadOnlyList<string>> _named = new(time, cache.Value.Sessions);
    private readonly IReadOnlyList<SessionAlias> _aliases = [.. aliases];

    public Task<Session?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        SessionId.IsValid(id) ? _sessions.GetAsync(id, ct => ReadAsync(id, ct), cancellationToken) : Task.FromResult<Session?>(null);

    /// <summary>The session as stored now, not as this instance last read it (which is then replaced).</summary>
    public Task<Session?> FindStoredAsync(string id, CancellationToken cancellationToken = default)
    {
        _sessions.Forget(id);
        return FindAsync(id, cancellationToken);
    }

    private async Task<Session?> ReadAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(id, RowKey, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } e ? ToSession(e) : null;
    }

    private static Session ToSession(TableEntity e) =>
        new(e.PartitionKey, e.GetString("SenderPhone") ?? "", e.GetString("Provider") ?? "", Map(e.GetString("ProviderSettings")),
            e.GetBoolean("Enabled") ?? false, Map(e.GetString("SecretNames")))
        {
            Partitions = e.GetInt32(nameof(Session.Partitions)) ?? 1,
        };

    /// <summary>Every registered session's id (one small partition each; index rows are no sessions).</summary>
    public async IAsyncEnumerable<string> ListIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entity in _table.QueryAsync<TableEntity>(select: ["PartitionKey"], cancellationToken: cancellationToken))
            if (SessionId.IsValid(entity.PartitionKey))
                yield return entity.PartitionKey;
    }

    /// <summary>Every registered session, read whole: one query per page of a thousand.</summary>
    public async IAsyncEnumerable<Session> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter: TableClient.CreateQueryFilter($"RowKey eq {RowKey}"),
                           cancellationToken: cancellationToken))
            if (SessionId.IsValid(entity.PartitionKey))
                yield return ToSession(entity);
    }

    /// <summary>
    /// The ids of the sessions whose index rows give them <paramref name="name"/> (one query of its partition), reused
    /// like sessions when found. Index rows only point: the caller checks each session still has the name.
    /// </summary>
    public async Task<IReadOnlyList<string>> FindIdsAsync(SessionAlias alias, string name, CancellationToken cancellationToken = default)
    {
        var partition = alias.Partition(name);
        return await _named.GetAsync(partition, async ct =>
        {
            var ids = new List<string>();
            await foreach (var row in _table.QueryAsync<TableEntity>(filter: TableClient.CreateQueryFilter($"PartitionKey eq {partition}"),
                               select: ["RowKey"], cancellationToken: ct))
                ids.Add(row.RowKey);
            return ids.Count > 0 ? ids : null;
        }, cancellationToken) ?? [];
    }

    /// <summary>
    /// Writes the index rows that stored sessions lack (sessions stored before the index, or by a version without it);
    /// returns how many. Two queries (the index rows, then the sessions, a page per thousand) and a write per row missing.
    /// </summary>
    public async Task<int> IndexAsync(SessionAlias alias, CancellationToken cancellationToken = default)
    {
        var indexed = new HashSet<(string, string)>();
        // Every partition of the alias: from "kind:" up to, not including, "kind;" (';' follows ':').
        var range = TableClient.CreateQueryFilter($"PartitionKey ge {alias.Kind + ":"} and PartitionKey lt {alias.Kind + ";"}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter: range, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            indexed.Add((row.PartitionKey, row.RowKey));
        var written = 0;
        await foreach (var session in ListAsync(cancellationToken))
        {
            if (alias.Of(session) is not { } name || indexed.Contains((alias.Partition(name), session.Id)))
                continue;
            await _table.UpsertEntityAsync(new TableEntity(alias.Partition(name), session.Id), TableUpdateMode.Replace, cancellationToken);
            _named.Forget(alias.Partition(name));
            written++;
        }
        return written;
    }

    private static Dictionary<string, string> Map(string? json) =>
        json is { Length: > 0 } ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : [];

    /// <summary>
    /// Stores the session. Its number of partitions is fixed once stored: a session whose stored one differs is refused
    /// (an <see cref="ArgumentException"/>), since its chats' rows would no longer be where it looks for them.
    /// </summary>
    public async Task UpsertAsync(Session session, CancellationToken cancellationToken = default)
    {
        if (!SessionId.IsValid(session.Id))
            throw new ArgumentException($"A session id is {SessionId.Rule}.", nameof(session));
        if (!Messages.MessagePartitions.IsValidCount(session.Partitions))
            throw new ArgumentException($"A session's partitions are {Messages.MessagePartitions.Rule}.", nameof(session));
        var stored = await ReadAsync(session.Id, cancellationToken);
        if (stored is not null && stored.Partitions != session.Partitions)
            throw new ArgumentException($"session {session.Id} has {stored.Partitions} partition(s); that cannot change once it is stored "
                                        + "(its chats' messages would no longer be found)", nameof(session));
        var names = AliasPartitions(session);
        var removed = AliasPartitions(stored).Except(names).ToList();
        // Written even when the name is unchanged: a session stored before the index gets its row.
        foreach (var partition in names)
            await _table.UpsertEntityAsync(new TableEntity(partition, session.Id), TableUpdateMode.Replace, cancellationToken);
        var entity = new TableEntity(session.Id, RowKey)
        {
            ["SenderPhone"] = session.SenderPhone,
            ["Provider"] = session.Provider,
            ["ProviderSettings"] = JsonSerializer.Serialize(session.ProviderSettings),
            ["SecretNames"] = JsonSerializer.Serialize(session.SecretNames ?? new Dictionary<string, string>()),
            ["Enabled"] = session.Enabled,
            [nameof(Session.Partitions)] = session.Partitions,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        _sessions.Forget(session.Id);
        await RemoveAsync(session.Id, removed, cancellationToken);
        foreach (var partition in names)
            _named.Forget(partition);
    }

    /// <summary>Removes the session and its index rows; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!SessionId.IsValid(id) || await ReadAsync(id, cancellationToken) is not { } stored)
            return false;
        await _table.DeleteEntityAsync(id, RowKey, Azure.ETag.All, cancellationToken);
        _sessions.Forget(id);
        await RemoveAsync(id, AliasPartitions(stored), cancellationToken);
        return true;
    }

    private async Task RemoveAsync(string id, IEnumerable<string> partitions, CancellationToken cancellationToken)
    {
        foreach (var partition in partitions)
        {
            await _table.DeleteEntityAsync(partition, id, Azure.ETag.All, cancellationToken); // a 404 is no error here
            _named.Forget(partition);
        }
    }

    /// <summary>The index partitions of the session's names.</summary>
    private HashSet<string> AliasPartitions(Session? session) =>
        session is null ? [] : _aliases.Select(a => a.Of(session) is { } name ? a.Partition(name) : null).OfType<string>().ToHashSet(StringComparer.Ordinal);

    public void Dispose()
    {
        _sessions.Dispose();
        _named.Dispose();
    }
}
