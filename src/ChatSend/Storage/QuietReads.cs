using Azure.Data.Tables;

namespace ChatSend.Storage;

/// <summary>
/// Point reads of rows whose keys hold a phone number (a chat's record, its line entries). Written as a query, the keys
/// travel in the query string, which the storage client's traces and logs redact, instead of in the URL's path, which
/// they keep. Still one call, answered from the row's own partition and key.
/// </summary>
public static class QuietReads
{
    public static async Task<T?> FindQuietlyAsync<T>(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey eq {rowKey}");
        await foreach (var row in table.QueryAsync<T>(filter, maxPerPage: 1, cancellationToken: cancellationToken))
            return row;
        return null;
    }
}
