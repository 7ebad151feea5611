using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using ChatSend.Storage;

namespace ChatSend.Send.Idempotency;

/// <summary>
/// One <c>Idempotency-Key</c> of one API key: the body it came with, the message row key it reserved, when it was
/// taken, and, for an answer that kept nothing (a 4xx), that answer. A 202 is not stored: its message row is.
/// </summary>
public sealed class IdempotencyRecord : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string BodySha256 { get; set; } = "";
    public string MessageRowKey { get; set; } = "";
    public DateTimeOffset TakenAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public int? AnswerStatus { get; set; }
    public string? AnswerBody { get; set; }

    /// <summary>Partition: the API key's id; row: the SHA-256 of the client's key (any printable ASCII, which row keys are not).</summary>
    public static IdempotencyRecord New(string keyId, string idempotencyKey, string bodySha256, string messageRowKey,
        DateTimeOffset now, TimeSpan window) => new()
    {
        PartitionKey = keyId,
        RowKey = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(idempotencyKey))),
        BodySha256 = bodySha256,
        MessageRowKey = messageRowKey,
        TakenAt = now,
        ExpiresAt = now + window,
    };
}

/// <summary>Idempotency table: insert-if-absent, so of two requests with one key exactly one takes it.</summary>
public sealed class IdempotencyStore(StorageClients storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.IdempotencyTable);

    /// <summary>
    /// Takes the key; returns null when taken, or the record that already holds it. The key is the client's, not fresh, so
    /// a 409 is usually another request's record; it is this request's own only when it holds the message row key this
    /// request reserved (fresh, so no other request has it): then an earlier try landed and the storage client's retry
    /// found it, and the key is taken.
    /// </summary>
    public async Task<IdempotencyRecord?> TryAddAsync(IdempotencyRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.AddEntityAsync(record, cancellationToken);
            record.ETag = response.Headers.ETag ?? ETag.All;
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await _table.GetEntityIfExistsAsync<IdempotencyRecord>(record.PartitionKey, record.RowKey, cancellationToken: cancellationToken);
            if (existing is not { HasValue: true, Value: { } held })
                return await TryAddAsync(record, cancellationToken); // removed in between: take it now
            if (held.MessageRowKey != record.MessageRowKey)
                return held;
            record.ETag = held.ETag;
            return null;
        }
    }

    /// <summary>Writes <paramref name="record"/> over what was read, unless someone changed it since; false then.</summary>
    public async Task<bool> TryReplaceAsync(IdempotencyRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.UpdateEntityAsync(record, record.ETag, TableUpdateMode.Replace, cancellationToken);
            record.ETag = response.Headers.ETag ?? record.ETag;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    public async Task RemoveAsync(IdempotencyRecord record, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(record.PartitionKey, record.RowKey, record.ETag, cancellationToken);
}
