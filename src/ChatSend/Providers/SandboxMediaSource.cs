using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using ChatSend.Inbound;
using ChatSend.Media;
using ChatSend.Sessions;
using ChatSend.Storage;

namespace ChatSend.Providers;

/// <summary>
/// The sandbox's reference to a customer's file: a URL (<c>POST /sandbox/sessions/{session}/inbound</c>), fetched through
/// the guarded media client like any media URL, or a staged blob (the echo of a file the session sent), read from the
/// media container. The type and name the customer gave go with it.
/// </summary>
public sealed record SandboxMediaReference(
    [property: JsonPropertyName("url")] Uri? Url = null,
    [property: JsonPropertyName("blob")] string? Blob = null,
    [property: JsonPropertyName("mimetype")] string? MimeType = null,
    [property: JsonPropertyName("filename")] string? FileName = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, Queues.QueueMessages.Json);

    public static SandboxMediaReference? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<SandboxMediaReference>(json, Queues.QueueMessages.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Opens the sandbox's customers' files (<see cref="SandboxMediaReference"/>). A URL goes through
/// <see cref="MediaDownloader"/> (the address guard, at most three redirects); its server answering 5xx, 408 or 429, or
/// a connection that fails, is transient, anything else permanent. A blob the media container no longer has is permanent.
/// </summary>
public sealed class SandboxMediaSource(MediaDownloader downloads, StorageClients storage) : IInboundMediaSource
{
    private readonly BlobContainerClient _container = storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);

    public string Provider => SandboxProvider.ProviderName;

    public async Task<InboundFile> OpenAsync(Session session, string reference, CancellationToken cancellationToken)
    {
        var media = SandboxMediaReference.FromJson(reference);
        if (media?.Url is { } url)
            return await OpenUrlAsync(media, url, cancellationToken);
        if (media?.Blob is { } blob)
            return await OpenBlobAsync(media, blob, cancellationToken);
        throw new ProviderException("the sandbox's reference to the file is not one it reads", transient: false);
    }

    private async Task<InboundFile> OpenUrlAsync(SandboxMediaReference media, Uri url, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await downloads.GetAsync(url, InboundMediaFetcher.Field, cancellationToken);
        }
        catch (MediaException ex)
        {
            throw new ProviderException(ex.Message, ex.IsTransient, inner: ex);
        }
        catch (HttpRequestException ex) when (ex.InnerException is AddressRefusedException refused)
        {
            throw new ProviderException(refused.Message + "; files must come from a public address", transient: false, inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"the file could not be fetched: {MediaDownloader.Describe(ex)}", transient: true, inner: ex);
        }
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new InboundFile(body, media.MimeType ?? MediaDownloader.ServedType(response),
                new[] { media.FileName }.Concat(MediaDownloader.ServedNames(response, url)).FirstOrDefault(n => FileNames.Sanitise(n) is not null),
                response.Content.Headers.ContentLength, owner: response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<InboundFile> OpenBlobAsync(SandboxMediaReference media, string blob, CancellationToken cancellationToken)
    {
        try
        {
            var download = (await _container.GetBlobClient(blob).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
            return new InboundFile(download.Content, media.MimeType ?? download.Details.ContentType, media.FileName,
                download.Details.ContentLength, owner: download);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new ProviderException("the sandbox no longer has the file it sent", transient: false, inner: ex);
        }
    }
}
