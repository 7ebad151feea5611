using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Sweeping;

/// <summary>
/// Removes staged media no message points at (its request died before the message was recorded, the message was
/// removed after a 503, or canceled), looking only where <see cref="SweepIndex"/> says media was staged: each due hint
/// lists one blob-name prefix (about seven minutes of one partition's media: a blob is named by its message id, which
/// names the partition) and reads that partition's messages of the blobs staged in the hint's window with one range read. So the cost follows what was staged an orphan age ago, not
/// what is stored; what no hint names (a hint that could not be written) is left to the storage lifecycle rule.
/// </summary>
public sealed class OrphanMedia(StorageClients storage, SweepIndex index, IOptions<SweeperOptions> options)
{
    private readonly BlobContainerClient _media = storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);
    private readonly TableClient _messages = storage.Table(StorageNames.MessagesTable);

    /// <summary>Checks the hints' blobs, removes the orphans among them, and the hints whose blobs are all old enough to judge.</summary>
    public async Task<int> RemoveAsync(IReadOnlyList<MediaHint> hints, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (deleted, settled) = (0, new List<MediaHint>());
        foreach (var hint in hints)
        {
            var (removed, young) = await CheckAsync(hint, now, cancellationToken);
            deleted += removed;
            if (!young)
                settled.Add(hint);
        }
        await index.RemoveAsync(settled, cancellationToken);
        return deleted;
    }

    // A blob written again since the hint (a send retried with its Idempotency-Key) is younger than the orphan age: the
    // hint stays until it is not.
    private async Task<(int Deleted, bool Young)> CheckAsync(MediaHint hint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var young = false;
        var candidates = new List<(BlobItem Blob, MessageId Id)>();
        await foreach (var blob in _media.GetBlobsAsync(BlobTraits.None, BlobStates.None, hint.Prefix, cancellationToken))
        {
            var modified = blob.Properties.LastModified;
            if (modified < hint.Since || modified > hint.Until || !MediaStager.TryParseBlobName(blob.Name, out var id))
                continue;
            if (modified > now - options.Value.OrphanMediaAge)
                young = true;
            else
                candidates.Add((blob, id));
        }
        var deleted = 0;
        foreach (var partition in candidates.GroupBy(c => c.Id.PartitionKey))
        {
            var kept = await KeptAsync(partition.Key, partition.Select(c => c.Id.RowKey).ToList(), cancellationToken);
            foreach (var (blob, id) in partition.Where(c => !kept.Contains(c.Id.RowKey)))
            {
                try
                {
                    // Only the blob as listed: one written again since (a retried send) stays.
                    await _media.DeleteBlobIfExistsAsync(blob.Name, conditions: new BlobRequestConditions { IfMatch = blob.Properties.ETag },
                        cancellationToken: cancellationToken);
                    deleted++;
                }
                catch (RequestFailedException ex) when (ex.Status == 412)
                {
                }
            }
        }
        return (deleted, young);
    }

    /// <summary>Of these message row keys, those whose message exists and was not canceled: one range read over them.</summary>
    private async Task<HashSet<string>> KeptAsync(string partition, List<string> rowKeys, CancellationToken cancellationToken)
    {
        var (first, last) = (rowKeys.Min(StringComparer.Ordinal)!, rowKeys.Max(StringComparer.Ordinal)!);
        var range = new RowKeyRange(first, last + "!"); // '!' sorts before every row-key character: up to and including last
        var kept = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in _messages.QueryAsync<TableEntity>(range.Filter(partition), select: ["RowKey", "Status"], cancellationToken: cancellationToken))
            if (row.GetString("Status") != MessageStatus.Canceled.ToWire())
                kept.Add(row.RowKey);
        return kept;
    }
}
