using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;

namespace ChatSend.Storage;

/// <summary>
/// Inserts of a row whose key the caller has just made (a new message id, a random row key). The storage client
/// retries a call whose answer was lost (a dropped connection, a timeout), and when the first try had landed, the
/// retry is answered 409 EntityAlreadyExists. Nobody else can have written a fresh key, so that 409 means the insert
/// landed: these count it as landed and read the row back for its ETag. A key that is not fresh (an Idempotency-Key,
/// a pacing row) must not come here: there a 409 may be another writer's row.
/// </summary>
public static class FreshInserts
{
    /// <summary>Adds <paramref name="entity"/>; returns its ETag.</summary>
    public static async Task<ETag?> AddFreshAsync(this TableClient table, ITableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            return (await table.AddEntityAsync(entity, cancellationToken)).Headers.ETag;
        }
        catch (RequestFailedException ex) when (IsAlreadyThere(ex))
        {
            return await ETagOfAsync(table, entity, cancellationToken);
        }
    }

    /// <summary>
    /// Submits a transaction whose first action adds the fresh row; returns each action's answer, or null when an earlier
    /// try had landed (then only the fresh row's ETag is known, read back). A 409 from another action is another
    /// writer's row, not this transaction's: it is thrown.
    /// </summary>
    public static async Task<(ETag? ETag, IReadOnlyList<Response>? Responses)> SubmitFreshAsync(this TableClient table,
        IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        if (actions is not [{ ActionType: TableTransactionActionType.Add, Entity: var fresh }, ..])
            throw new ArgumentException("The first action must add the fresh row.", nameof(actions));
        try
        {
            var responses = (await table.SubmitTransactionAsync(actions, cancellationToken)).Value;
            return (responses[0].Headers.ETag, responses);
        }
        catch (RequestFailedException ex) when (IsAlreadyThere(ex) && (ex as TableTransactionFailedException)?.FailedTransactionActionIndex is null or 0)
        {
            return (await ETagOfAsync(table, fresh, cancellationToken), null);
        }
    }

    private static bool IsAlreadyThere(RequestFailedException ex) =>
        ex.Status == 409 && ex.ErrorCode == TableErrorCode.EntityAlreadyExists.ToString();

    private static async Task<ETag?> ETagOfAsync(TableClient table, ITableEntity entity, CancellationToken cancellationToken) =>
        (await table.GetEntityAsync<TableEntity>(entity.PartitionKey, entity.RowKey, select: ["RowKey"],
            cancellationToken: cancellationToken)).Value.ETag;
}
