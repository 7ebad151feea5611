using System.Net;
using ChatSend.Http;
using ChatSend.Inbound;
using ChatSend.Providers.Settings;
using ChatSend.Sessions;

namespace ChatSend.Providers.Waha;

/// <summary>
/// The file of a customer's WAHA message: WAHA downloads what the session receives into its media storage and names it
/// in the event's <c>media.url</c> (https://waha.devlike.pro/docs/how-to/receive-messages/#media-files), which is fetched
/// here with the session's API key in <c>X-Api-Key</c>, as WAHA's files endpoint requires.
/// <para>
/// The key goes only to the session's own WAHA: the URL must have the scheme, host and port of the session's
/// <c>baseUrl</c> and lie under its <c>api/files/</c> (local and PostgreSQL storage) or <c>api/s3/</c> (S3 storage proxied
/// by WAHA), no redirect is followed, and anything else is refused before a request is made, so a reference naming
/// another server, or another of WAHA's own endpoints, never receives the key. WAHA builds <c>media.url</c> from its
/// <c>WAHA_BASE_URL</c> (default <c>http://localhost:3000</c>), which must therefore be the address ChatSend has as
/// <c>baseUrl</c>.
/// </para>
/// Failures are <see cref="ProviderException"/>s that name no URL (it holds the customer's number): WAHA unreachable, slow
/// (30 s), 408, 429 or 5xx are transient; a refused key, a file WAHA no longer has (it keeps files 180 s unless
/// <c>WHATSAPP_FILES_LIFETIME</c> says otherwise) and any other answer are permanent.
/// </summary>
public sealed class WahaMediaSource(IHttpClientFactory httpClients, ProviderSecrets secrets, TimeProvider time) : IInboundMediaSource
{
    public const string HttpClientName = "ChatSend.Waha.Media";

    /// <summary>Where WAHA serves downloaded files, under its base URL.</summary>
    public static IReadOnlyList<string> FilePaths { get; } = ["api/files/", "api/s3/"];

    public string Provider => WahaProvider.ProviderName;

    public async Task<InboundFile> OpenAsync(Session session, string reference, CancellationToken cancellationToken)
    {
        var media = WahaMediaReference.Parse(reference)
            ?? throw new ProviderException("the WAHA media reference is not one ChatSend wrote", transient: false);
        if (media.Error is { } error)
            throw new ProviderException(error, transient: false);
        var url = FileUrl(media.Url, BaseUrl(session));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-Api-Key", secrets.Require(session, WahaSettings.ApiKey));

        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"WAHA could not be reached for the file ({ex.HttpRequestError})", transient: true, inner: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException($"WAHA did not answer for the file within {WahaProvider.Timeout.TotalSeconds:0} seconds", transient: true, inner: ex);
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
                throw Failure(response);
        }
        try
        {
            var content = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new InboundFile(content, media.Mimetype ?? response.Content.Headers.ContentType?.ToString(), media.Filename,
                response.Content.Headers.ContentLength, owner: response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The file's URL when it is one of the session's WAHA's files; else a permanent failure naming the host it points at
    /// (never the path, which holds the chat's number).
    /// </summary>
    public static Uri FileUrl(string? url, Uri baseUrl)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ProviderException("WAHA's media.url is not an http(s) URL", transient: false);
        if (Uri.Compare(uri, baseUrl, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0
            || uri.UserInfo.Length > 0)
            throw new ProviderException($"WAHA's media.url is on {uri.Scheme}://{uri.Authority}, not on the session's WAHA ({baseUrl.Scheme}://{baseUrl.Authority}): "
                + "set WAHA_BASE_URL to the session's baseUrl (and, with S3 media storage, WAHA_S3_PROXY_FILES=True)", transient: false);
        var path = uri.AbsolutePath;
        if (!FilePaths.Any(p => path.StartsWith(baseUrl.AbsolutePath + p, StringComparison.Ordinal))
            || Uri.UnescapeDataString(path).Split('/', '\\').Contains(".."))
            throw new ProviderException($"WAHA's media.url is not under {string.Join(" or ", FilePaths.Select(p => baseUrl.AbsolutePath + p))} of the session's WAHA",
                transient: false);
        return uri;
    }

    private static Uri BaseUrl(Session session) =>
        ProviderSettingsSchema.Read<WahaSettings>(session).BaseUrl is { } value
        && Uri.TryCreate(value.OriginalString.EndsWith('/') ? value.OriginalString : value.OriginalString + "/", UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
            ? uri
            : throw new ProviderException("the session has no valid baseUrl setting for WAHA (session … --setting baseUrl=https://waha.example.com)",
                transient: false);

    private ProviderException Failure(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new($"WAHA refused the API key for the file ({status}): check the session's apiKey secret", transient: false),
            HttpStatusCode.NotFound =>
                new("WAHA no longer has the file (404): it keeps received files for WHATSAPP_FILES_LIFETIME seconds (default 180)", transient: false),
            HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests =>
                new($"WAHA is busy ({status}) serving the file", transient: true, RetryAfter.Of(response, time)),
            _ when status >= 500 => new($"WAHA failed ({status}) serving the file", transient: true, RetryAfter.Of(response, time)),
            _ when status is >= 300 and < 400 => new($"WAHA answered the file with a redirect ({status}), which is not followed", transient: false),
            _ => new($"WAHA refused the file ({status})", transient: false),
        };
    }
}
