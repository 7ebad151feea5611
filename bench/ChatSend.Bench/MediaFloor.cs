using System.Buffers;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ChatSend.Media;

namespace ChatSend.Bench;

/// <summary>
/// The least staging a file from a URL can do, with the same blob client: GET it (a plain HTTP client), read it in blocks
/// of <see cref="MediaStager.BlockSize"/>, upload each block while the next is read, hash each while it uploads, and commit
/// the block list with the SHA-256 in the metadata. No address guard, type check, file name or sweep-index hint: what the
/// work costs, without the rules.
/// </summary>
internal sealed class MediaFloor(BlobContainerClient container, HttpClient http)
{
    public async Task StageAsync(Uri url)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var blob = container.GetBlockBlobClient("floor-" + Guid.NewGuid().ToString("N"));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var blockIds = new List<string>();
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(MediaStager.BlockSize), ArrayPool<byte>.Shared.Rent(MediaStager.BlockSize)];
        var upload = Task.CompletedTask;
        try
        {
            for (var filled = MediaStager.BlockSize; filled == MediaStager.BlockSize;)
            {
                // The other buffer's block is uploading meanwhile; this one's upload ended before the last block started.
                var buffer = buffers[blockIds.Count % 2];
                filled = await body.ReadAtLeastAsync(buffer.AsMemory(0, MediaStager.BlockSize), MediaStager.BlockSize, throwOnEndOfStream: false);
                if (filled == 0)
                    break;
                await upload;
                var blockId = Convert.ToBase64String(BitConverter.GetBytes(blockIds.Count));
                blockIds.Add(blockId);
                upload = blob.StageBlockAsync(blockId, new MemoryStream(buffer, 0, filled, writable: false));
                hash.AppendData(buffer, 0, filled);
            }
            await upload;
        }
        finally
        {
            await upload.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var buffer in buffers)
                ArrayPool<byte>.Shared.Return(buffer);
        }
        await blob.CommitBlockListAsync(blockIds, new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "image/jpeg" },
            Metadata = new Dictionary<string, string> { [MediaStager.Sha256Metadata] = Convert.ToHexStringLower(hash.GetHashAndReset()) },
        });
    }
}
