using System.Net;

namespace ChatSend.Media;

/// <summary>
/// GETs a media URL through the guarded client (<see cref="MediaHttp"/>): redirects followed by hand, at most
/// <see cref="MaxRedirects"/>, each hop through the address guard, and the response handed back with its body unread.
/// Outbound media (<see cref="MediaStager"/>) and the sandbox's customers' files both come this way.
/// </summary>
public sealed class MediaDownloader(IHttpClientFactory httpClients)
{
    public const int MaxRedirects = 3;

    private static readonly string[] Generic = ["application/octet-stream", "binary/octet-stream", "application/unknown"];

    /// <summary>
    /// The successful response for <paramref name="url"/>, its body not yet read. An error status or a bad redirect is a
    /// <see cref="MediaException"/> naming <paramref name="field"/> (transient for 5xx, 408 and 429); a connection that
    /// fails is the client's <see cref="HttpRequestException"/>.
    /// </summary>
    public async Task<HttpResponseMessage> GetAsync(Uri url, string field, CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(MediaHttp.ClientName);
        for (var hop = 0; ; hop++)
        {
            var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode is not (HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
                or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect))
            {
                if (response.IsSuccessStatusCode)
                    return response;
                response.Dispose();
                var status = (int)response.StatusCode;
                throw MediaException.Unavailable(field, $"the server answered {status} {response.ReasonPhrase}",
                    transient: status >= 500 || status is 408 or 429);
            }

            var location = response.Headers.Location;
            response.Dispose();
            if (hop == MaxRedirects)
                throw MediaException.Unavailable(field, $"more than {MaxRedirects} redirects");
            if (location is null || !Uri.TryCreate(url, location, out var next) || (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps))
                throw MediaException.Unavailable(field, "a redirect pointed somewhere other than an http or https URL");
            url = next;
        }
    }

    /// <summary>The type the server says the file is, unless it says nothing useful (<c>application/octet-stream</c>).</summary>
    public static string? ServedType(HttpResponseMessage response) => Useful(response.Content.Headers.ContentType?.MediaType);

    /// <summary>A declared type, normalised, unless it is one that says nothing (<c>application/octet-stream</c> and the like).</summary>
    public static string? Useful(string? mimeType) =>
        mimeType is { Length: > 0 } && !Generic.Contains(MediaFormats.Normalise(mimeType)) ? MediaFormats.Normalise(mimeType) : null;

    /// <summary>The file name the server gives (<c>Content-Disposition</c>), else the last segment of the URL it came from.</summary>
    public static IEnumerable<string?> ServedNames(HttpResponseMessage response, Uri requested)
    {
        var disposition = response.Content.Headers.ContentDisposition;
        yield return disposition?.FileNameStar ?? disposition?.FileName?.Trim('"');
        yield return FileNames.LastSegment(response.RequestMessage?.RequestUri ?? requested);
    }

    /// <summary>Why a connection failed, in words for the client or the message's <c>media.error</c>.</summary>
    public static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => "the host name does not resolve",
        HttpRequestError.ConnectionError => $"the server refused or dropped the connection ({ex.GetBaseException().Message})",
        HttpRequestError.SecureConnectionError => "the TLS handshake failed",
        _ => ex.GetBaseException().Message,
    };
}
