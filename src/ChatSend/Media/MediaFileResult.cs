using System.Reflection;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatSend.Media;

/// <summary>
/// A staged file as the answer: its <c>Content-Type</c> and <c>Content-Length</c> from the blob, a
/// <c>Content-Disposition</c> made safe by <see cref="FileNames"/>, and its bytes copied from the blob's download stream
/// to the response as they come, never held whole. Files are served as attachments that browsers must not sniff or run.
/// A download that breaks once the answer has started ends the connection, so the client sees a short body, never a
/// complete-looking one.
/// </summary>
public sealed partial class MediaFileResult(BlobDownloadStreamingResult download, string fileName) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public const string BinaryContentType = "application/octet-stream";

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext context)
    {
        using var owned = download;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = download.Details.ContentType is { Length: > 0 } type ? type : BinaryContentType;
        response.ContentLength = download.Details.ContentLength;
        response.Headers.ContentDisposition = FileNames.Disposition(fileName);
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        response.Headers.CacheControl = "private, no-cache";
        try
        {
            await download.Content.CopyToAsync(response.Body, context.RequestAborted);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogBroken(Logger(context), Storage.StorageFailure.Describe(ex));
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<MediaFileResult>();

    [LoggerMessage(LogLevel.Warning, "A file download broke after its answer started ({Reason}); the connection was ended")]
    private static partial void LogBroken(ILogger logger, string reason);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Stream), [BinaryContentType]));
}
