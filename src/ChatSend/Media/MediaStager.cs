using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ChatSend.Messages;
using ChatSend.Send;
using ChatSend.Storage;
using ChatSend.Sweeping;
using Microsoft.Extensions.Options;

namespace ChatSend.Media;

/// <summary>
/// Stages a file in the media container, from wherever it comes: a client's media URL (<c>POST /send</c>, fetched through
/// <see cref="MediaDownloader"/>) or a customer's file a provider hands over (<c>Inbound/</c>), under the same rules: the
/// size limit enforced on the declared length and again on the bytes that arrive, the type checked against the file's
/// first bytes, and the SHA-256 recorded in the blob's metadata. Memory stays at <see cref="BlocksInMemory"/> blocks of
/// 4 MiB, shared by every file in flight, whatever their sizes.
/// </summary>
public sealed class MediaStager(MediaDownloader downloads, StorageClients storage, SweepIndex index, IOptions<MediaOptions> options)
{
    public const int MaxRedirects = MediaDownloader.MaxRedirects;
    public const int BlockSize = 4 * 1024 * 1024;
    public const int BlocksInMemory = 4;
    public const string Sha256Metadata = "sha256";

    private readonly BlobContainerClient _container = storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);
    private readonly BlockBuffers _buffers = new(BlockSize, BlocksInMemory);

    internal BlockBuffers Buffers => _buffers;

    /// <summary>Media of scheduled messages lives under its own prefix, which the lifecycle rule keeps longer (see infra/).</summary>
    public const string ScheduledPrefix = "scheduled/";

    public static string BlobNameFor(MessageId id, bool scheduled = false) => (scheduled ? ScheduledPrefix : "") + id.Value;

    public static bool TryParseBlobName(string name, out MessageId id) =>
        MessageId.TryParse(name.StartsWith(ScheduledPrefix, StringComparison.Ordinal) ? name[ScheduledPrefix.Length..] : name, out id);

    /// <summary>Removes staged media whose message was not accepted after all.</summary>
    public async Task DeleteAsync(StagedMedia? staged)
    {
        if (staged is not null)
            await DeleteAsync(staged.BlobName);
    }

    public async Task DeleteAsync(string blobName) =>
        await _container.DeleteBlobIfExistsAsync(blobName, cancellationToken: CancellationToken.None);

    /// <summary>Fetches a client's media URL and stages it: every way the fetch fails is a <see cref="MediaException"/> naming the field.</summary>
    public async Task<StagedMedia> StageAsync(MediaReference media, MessageType type, MessageId id, CancellationToken cancellationToken,
        bool scheduled = false)
    {
        var o = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.Timeout);
        try
        {
            using var response = await downloads.GetAsync(media.Url, media.Field, timeout.Token);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var file = new MediaFile(body, media.Field)
            {
                DeclaredLength = response.Content.Headers.ContentLength,
                // The client's type, else the server's, else the URL's extension; null leaves it to the bytes.
                MimeType = media.MimeType ?? MediaDownloader.ServedType(response) ?? MediaFormats.FromExtension(media.Url.AbsolutePath),
                MimeTypeField = media.MimeType is null ? null : "mimetype",
                FileNames = [media.FileName, .. MediaDownloader.ServedNames(response, media.Url)],
            };
            return await StageAsync(file, type, id, BlobNameFor(id, scheduled), timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw MediaException.Unavailable(media.Field, $"timed out after {o.Timeout.TotalSeconds:0.#} s fetching the media", transient: true);
        }
        catch (HttpRequestException ex) when (ex.InnerException is AddressRefusedException refused)
        {
            throw MediaException.Unavailable(media.Field, refused.Message + "; media must come from a public address");
        }
        catch (HttpRequestException ex)
        {
            throw MediaException.Unavailable(media.Field, $"could not be fetched: {MediaDownloader.Describe(ex)}", transient: true);
        }
        catch (IOException ex)
        {
            throw MediaException.Unavailable(media.Field, $"the connection broke while reading the media: {ex.GetBaseException().Message}",
                transient: true);
        }
    }

    /// <summary>
    /// Stages <paramref name="file"/> as <paramref name="blobName"/> under the limit and the MIME rules of
    /// <paramref name="type"/>: a file over the limit, of a type the rules refuse or whose bytes do not match its type is
    /// a <see cref="MediaException"/>; reading the file may also throw what its stream throws, and storage its errors.
    /// Staging the same name again replaces the blob, so a repeated job writes the same blob.
    /// </summary>
    public async Task<StagedMedia> StageAsync(MediaFile file, MessageType type, MessageId id, string blobName, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxBytesFor(type);
        if (file.DeclaredLength > limit)
            throw MediaException.TooLarge(file.Field, type, limit);

        var head = new byte[MediaFormats.SignatureLength];
        var headLength = await file.Content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        if (headLength == 0)
            throw MediaException.Unavailable(file.Field, "the file is empty");
        var mimeType = Identify(file, type, head.AsMemory(0, headLength));

        var fileName = FileNames.Choose(file.FileNames, id.Value, mimeType);
        await index.NoteStagingAsync(blobName, cancellationToken); // so the sweeper checks it if its message is never recorded
        var blob = _container.GetBlockBlobClient(blobName);
        var (length, sha256) = await UploadAsync(blob, head.AsMemory(0, headLength), file.Content, limit,
            () => MediaException.TooLarge(file.Field, type, limit), new BlobHttpHeaders
            {
                ContentType = mimeType,
                ContentDisposition = FileNames.Disposition(fileName),
            }, cancellationToken);
        return new StagedMedia(blob.Name, mimeType, fileName, length, sha256);
    }

    /// <summary>Decides the MIME type (the one claimed, else recognised from the bytes) and checks the bytes agree.</summary>
    private static string Identify(MediaFile file, MessageType type, ReadOnlyMemory<byte> head)
    {
        var claimed = file.MimeType is { } given ? MediaFormats.Normalise(given) : null;
        var field = file.MimeTypeField ?? file.Field;

        if (claimed is not null && type.RequiredMimeFamily() is { } family && !claimed.StartsWith(family + "/", StringComparison.Ordinal))
            throw MediaException.WrongType(field, $"the media is {claimed}, not {family}/*");

        if (claimed is null)
        {
            if (MediaFormats.Detect(type, head) is { } detected)
                return detected.MimeType;
            if (MediaFormats.IsOpen(type))
                return "application/octet-stream";
            throw MediaException.WrongType(file.Field, $"the file is none of {Accepted(type)}");
        }

        var format = MediaFormats.Find(type, claimed);
        if (format is null && !MediaFormats.IsOpen(type))
            throw MediaException.WrongType(field, $"{claimed} is not accepted for {type.ToWire()} messages; use {Accepted(type)}");
        if (format is not null && !format.Matches(head))
            throw MediaException.WrongType(field, $"the file does not start like {claimed}");
        return claimed;
    }

    private static string Accepted(MessageType type) => string.Join(", ", MediaFormats.For(type).Select(f => f.MimeType));

    /// <summary>
    /// Streams the body into blocks: each block starts uploading as soon as it is full and is hashed while it uploads, the
    /// next is read meanwhile, and the blocks are committed with the headers and the SHA-256 once all have landed. Never
    /// reads more than limit + 1 bytes. On failure it waits for the blocks in flight, so no upload outlives the staging.
    /// </summary>
    private async Task<(long Length, string Sha256)> UploadAsync(BlockBlobClient blob, ReadOnlyMemory<byte> head, Stream body,
        long limit, Func<Exception> tooLarge, BlobHttpHeaders headers, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var blockIds = new List<string>();
        var uploads = new Queue<Task>();
        long total = 0;
        try
        {
            for (var full = true; full;)
            {
                while (uploads.TryPeek(out var oldest) && oldest.IsCompleted)
                    await uploads.Dequeue(); // a failed block stops the staging now, not after the whole body
                var buffer = await _buffers.RentAsync(cancellationToken);
                var filled = await FillAsync(buffer, blockIds.Count == 0 ? head : default, body, limit - total, cancellationToken);
                total += filled;
                if (total > limit)
                    throw tooLarge();
                if (filled == 0)
                    break;
                uploads.Enqueue(UploadBlockAsync(blob, blockIds, buffer, filled, hash, cancellationToken));
                full = filled == BlockSize;
            }
            await Task.WhenAll(uploads);

            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            await blob.CommitBlockListAsync(blockIds, new CommitBlockListOptions
            {
                HttpHeaders = headers,
                Metadata = new Dictionary<string, string> { [Sha256Metadata] = sha256 },
            }, cancellationToken);
            return (total, sha256);
        }
        catch
        {
            await Task.WhenAll(uploads).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
    }

    /// <summary>
    /// Fills the buffer, after the head if one is given, reading at most one byte more than <paramref name="room"/>; gives
    /// the buffer back unless it now holds a block to upload.
    /// </summary>
    private async Task<int> FillAsync(byte[] buffer, ReadOnlyMemory<byte> head, Stream body, long room, CancellationToken cancellationToken)
    {
        var filled = 0;
        try
        {
            head.CopyTo(buffer);
            var want = (int)Math.Clamp(room + 1 - head.Length, 0, buffer.Length - head.Length);
            filled = head.Length + await body.ReadAtLeastAsync(buffer.AsMemory(head.Length, want), want, throwOnEndOfStream: false, cancellationToken);
            return filled;
        }
        finally
        {
            if (filled == 0 || filled > room)
                _buffers.Return(buffer);
        }
    }

    /// <summary>Starts the block's upload and hashes the block meanwhile; the buffer goes back once the upload has ended.</summary>
    private Task UploadBlockAsync(BlockBlobClient blob, List<string> blockIds, byte[] buffer, int length, IncrementalHash hash,
        CancellationToken cancellationToken)
    {
        var blockId = Convert.ToBase64String(BitConverter.GetBytes(blockIds.Count));
        blockIds.Add(blockId);
        var staging = blob.StageBlockAsync(blockId, new MemoryStream(buffer, 0, length, writable: false), cancellationToken: cancellationToken);
        hash.AppendData(buffer, 0, length);
        return ReturnAfterAsync(staging, buffer);
    }

    private async Task ReturnAfterAsync(Task staging, byte[] buffer)
    {
        try
        {
            await staging;
        }
        finally
        {
            _buffers.Return(buffer);
        }
    }
}
