using Azure;
using Azure.Storage.Blobs;
using ChatSend.Http;
using ChatSend.Media;
using ChatSend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Messages;

/// <summary>
/// <c>GET /messages/{id}/media</c>: the message's file, streamed from the media container, for the keys that may read the
/// message. 404 as <c>GET /messages/{id}</c> for a message outside the key's sessions or unknown, and for a message
/// without a staged file (none, one given up on, or one the retention rules removed); 409 with <c>Retry-After</c>
/// while a customer's file is still being fetched. One read of the row and one download, streamed.
/// </summary>
public sealed class GetMessageMediaHandler(MessageStore messages, StorageClients storage)
{
    private readonly BlobContainerClient _container = storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);

    public async Task<Results<MediaFileResult, ProblemHttpResult>> HandleAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (!MessageId.TryParse(id, out var messageId) || !request.HttpContext.GetApiKeyScope().Covers(messageId.Session))
            return Problems.MessageNotFound();
        var message = await messages.FindAsync(messageId, cancellationToken);
        if (message is null)
            return Problems.MessageNotFound();
        if (message.MediaPending)
            return Problems.MediaPending(request.HttpContext);
        if (message.MediaBlob is not { } blobName)
            return Problems.MediaNotFound(message.MediaError is { } error
                ? $"The customer's file could not be kept: {error}."
                : "The message carries no file.");
        try
        {
            var download = await _container.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return new MediaFileResult(download.Value, message.FileName ?? message.Id + MediaFormats.ExtensionFor(message.MimeType ?? ""));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return Problems.MediaNotFound("The file is no longer kept: staged files are deleted some days after they were written.");
        }
    }
}
