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
    /// Submits a transaction whose first action adds the fresh row (the others adding rows keyed by it, or upserting);
    /// returns the first row's ETag.
    /// </summary>
    public static async Task<ETag?> SubmitFreshAsync(this TableClient table, IReadOnlyList<TableTransactionAction> actions,
        CancellationToken cancellationToken)
    {
        if (actions is not [{ ActionType: TableTransactionActionType.Add, Entity: var fresh }, ..])
            throw new ArgumentException("The first action must add the fresh row.", nameof(actions));
        try
        {
            return (await table.SubmitTransactionAsync(actions, cancellationToken)).Value[0].Headers.ETag;
        }
        catch (RequestFailedException ex) when (IsAlreadyThere(ex))
        {
            return await ETagOfAsync(table, fresh, cancellationToken);
        }
    }

    private static bool IsAlreadyThere(RequestFailedException ex) =>
        ex.Status == 409 && ex.ErrorCode == TableErrorCode.EntityAlreadyExists.ToString();

    private static async Task<ETag?> ETagOfAsync(TableClient table, ITableEntity entity, CancellationToken cancellationToken) =>
        (await table.GetEntityAsync<TableEntity>(entity.PartitionKey, entity.RowKey, select: ["RowKey"],
            cancellationToken: cancellationToken)).Value.ETag;
}
