using Azure;
using Azure.Data.Tables;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

/// <summary>
/// The <c>webhooks</c> table: one partition per session, one row per webhook, secrets encrypted by
/// <see cref="WebhookSecretCipher"/>. The registry's routes and admin commands change it; delivery reads it through
/// <see cref="IWebhookEndpoints"/>. A session's enabled endpoints are reused for <see cref="CacheOptions.Sessions"/>;
/// a change made here is seen here at once, elsewhere within that time.
/// </summary>
public sealed class WebhookStore(
    StorageClients storage,
    WebhookSecretCipher cipher,
    WebhookChatCursors cursors,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    IOptions<CacheOptions> cache) : IWebhookEndpoints, IDisposable
{
    private const int MaxWriteAttempts = 5;
    private readonly TableClient _table = storage.Table(StorageNames.WebhooksTable);
    private readonly ReadCache<IReadOnlyList<WebhookEndpoint>> _enabled = new(time, cache.Value.Sessions);

    /// <summary>Registers a webhook with a new secret, returned once; null when the session has <see cref="WebhookOptions.MaxPerSession"/> already.</summary>
    public async Task<(WebhookEntity Row, string Secret)?> CreateAsync(string session, Uri url, IReadOnlyList<string> events,
        CancellationToken cancellationToken = default)
    {
        // Counted before the insert: two creates at once may pass one over the limit, which only bounds a session's work.
        var count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(e => e.PartitionKey == session, select: ["RowKey"], cancellationToken: cancellationToken))
            count++;
        if (count >= options.Value.MaxPerSession)
            return null;
        var id = WebhookEntity.NewId();
        var secret = WebhookSecretCipher.NewSecret();
        var row = new WebhookEntity
        {
            PartitionKey = session,
            RowKey = id,
            Url = url.AbsoluteUri,
            Events = string.Join(',', events),
            Enabled = true,
            CreatedAt = time.GetUtcNow(),
            Secret = cipher.Encrypt(secret, session, id),
        };
        row.ETag = await _table.AddFreshAsync(row, cancellationToken) ?? default;
        _enabled.Forget(session);
        return (row, secret);
    }

    /// <summary>Every webhook of the session, enabled or not, oldest first.</summary>
    public async Task<IReadOnlyList<WebhookEntity>> ListAsync(string session, CancellationToken cancellationToken = default)
    {
        var rows = new List<WebhookEntity>();
        await foreach (var row in _table.QueryAsync<WebhookEntity>(e => e.PartitionKey == session, cancellationToken: cancellationToken))
            rows.Add(row);
        return [.. rows.OrderBy(r => r.CreatedAt)];
    }

    public async Task<WebhookEntity?> GetAsync(string session, string id, CancellationToken cancellationToken = default)
    {
        if (!WebhookEntity.IsId(id))
            return null;
        var response = await _table.GetEntityIfExistsAsync<WebhookEntity>(session, id, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the stored row under its ETag, again on a fresh read if another write came
    /// first. <paramref name="change"/> returns false to leave the row as it is. Null when there is no such webhook.
    /// A change of whether it is given received events (its events filter, or its state) starts a new
    /// <see cref="WebhookEntity.ChatEpoch"/>: its place in each chat starts again, and the events it was not given
    /// meanwhile are not waited for.
    /// </summary>
    public async Task<WebhookEntity?> UpdateAsync(string session, string id, Func<WebhookEntity, bool> change,
        CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await GetAsync(session, id, cancellationToken) is not { } row)
                return null;
            var followed = FollowsChats(row);
            if (!change(row))
                return row;
            if (FollowsChats(row) != followed)
                row.ChatEpoch++;
            try
            {
                var response = await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                row.ETag = response.Headers.ETag ?? default;
                _enabled.Forget(session);
                return row;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412 && attempt < MaxWriteAttempts)
            {
                // Changed or deleted since the read: read it again.
            }
        }
    }

    /// <summary>A new secret, returned once; the current one moves to previous and signs for <see cref="WebhookOptions.RotationGrace"/>.</summary>
    public async Task<string?> RotateAsync(string session, string id, CancellationToken cancellationToken = default)
    {
        var secret = WebhookSecretCipher.NewSecret();
        var sealedSecret = cipher.Encrypt(secret, session, id);
        var row = await UpdateAsync(session, id, row =>
        {
            row.PreviousSecret = row.Secret;
            row.PreviousSecretUntil = time.GetUtcNow() + options.Value.RotationGrace;
            row.Secret = sealedSecret;
            return true;
        }, cancellationToken);
        return row is null ? null : secret;
    }

    // Whether the endpoint is given customers' received events: only a change of that leaves it without some of them.
    // A change of its other types keeps its place in each chat (an event of the chat waiting for its retry still comes first).
    private static bool FollowsChats(WebhookEntity row) =>
        row.Enabled && row.ToEndpoint().Wants(Events.MessageEvents.TypeOf(Messages.MessageStatus.Received));

    public async Task<bool> DeleteAsync(string session, string id, CancellationToken cancellationToken = default)
    {
        if (!WebhookEntity.IsId(id))
            return false;
        await cursors.ClearAsync(session, id, cancellationToken); // first: if that fails the webhook stays, and a retry clears both
        var response = await _table.DeleteEntityAsync(session, id, ETag.All, cancellationToken);
        _enabled.Forget(session);
        return response.Status != 404;
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEnabledAsync(string session, CancellationToken cancellationToken) =>
        (await _enabled.GetAsync(session, async ct =>
            (IReadOnlyList<WebhookEndpoint>)[.. (await ListAsync(session, ct)).Where(r => r.Enabled).Select(r => r.ToEndpoint())],
            cancellationToken))!;

    public async Task<WebhookEndpoint?> FindAsync(string session, string id, CancellationToken cancellationToken) =>
        (await GetAsync(session, id, cancellationToken))?.ToEndpoint();

    public async Task<IReadOnlyList<string>> SigningSecretsAsync(string session, string id, CancellationToken cancellationToken)
    {
        if (await GetAsync(session, id, cancellationToken) is not { } row)
            return [];
        var secrets = new List<string> { cipher.Decrypt(row.Secret, session, id) };
        if (row.PreviousSecret is { } previous && row.PreviousSecretUntil > time.GetUtcNow())
            secrets.Add(cipher.Decrypt(previous, session, id));
        return secrets;
    }

    public Task RecordOutcomeAsync(string session, string id, bool succeeded, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateAsync(session, id, row =>
        {
            DateTimeOffset? failingSince = succeeded ? null : row.FailingSince ?? at;
            if (failingSince == row.FailingSince)
                return false;
            row.FailingSince = failingSince;
            return true;
        }, cancellationToken);

    public Task DisableAsync(string session, string id, string reason, CancellationToken cancellationToken) =>
        UpdateAsync(session, id, row =>
        {
            row.Enabled = false;
            row.DisabledReason = reason;
            return true;
        }, cancellationToken);

    public void Dispose() => _enabled.Dispose();
}
