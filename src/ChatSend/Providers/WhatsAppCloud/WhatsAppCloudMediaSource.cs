using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ChatSend.Http;
using ChatSend.Inbound;
using ChatSend.Providers.Callbacks;
using ChatSend.Providers.Settings;
using ChatSend.Sessions;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>
/// The file of a customer's Cloud API message, from the <see cref="CloudMediaReference"/> its callback stored, as Meta documents
/// it (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media/, "Retrieve
/// media URL" and "Download media"): <c>GET {baseUrl}/{apiVersion}/{media-id}?phone_number_id=…</c> with the session's access
/// token answers <c>{url, mime_type, sha256, file_size, id}</c>; a <c>GET</c> of that URL (another host, valid five minutes)
/// with the same token gives the bytes, which are handed over as they come. Media ids in webhooks expire after seven days.
/// A failure is a <see cref="ProviderException"/>: a wrong token, an unknown or expired media id, a refused download are
/// permanent; throttling, Meta's own trouble and timeouts transient. Neither the token nor the signed download URL is logged.
/// </summary>
public sealed partial class WhatsAppCloudMediaSource(IHttpClientFactory httpClients, ProviderSecrets secrets, TimeProvider time,
    ILogger<WhatsAppCloudMediaSource> logger) : IInboundMediaSource
{
    public string Provider => WhatsAppCloudProvider.ProviderName;

    public async Task<InboundFile> OpenAsync(Session session, string reference, CancellationToken cancellationToken)
    {
        if (CloudMediaReference.Parse(reference) is not { } media)
            throw new ProviderException("the message's media reference is not a WhatsApp Cloud media id", transient: false);
        var endpoint = MediaEndpoint(session, media.Id);
        var token = secrets.Require(session, WhatsAppCloudSettings.AccessToken);
        var client = httpClients.CreateClient(WhatsAppCloudProvider.HttpClientName);

        var located = await RetrieveAsync(client, session, endpoint, token, media.Id, cancellationToken);
        if (!Uri.TryCreate(located.Url, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")
            || (endpoint.Scheme == "https" && url.Scheme != "https"))
            throw Refused(session, media.Id, HttpStatusCode.OK, new ProviderException(
                "the WhatsApp Cloud API answered the media id without a download URL (or with one that is not https)", transient: false));

        // The token goes only to the URL Meta just gave for this media; a redirect does not carry it further.
        using var download = new HttpRequestMessage(HttpMethod.Get, url);
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await SendAsync(client, download, "downloading the media", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
                throw Refused(session, media.Id, response.StatusCode, DownloadError(response));
        }
        try
        {
            var content = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new InboundFile(content, located.MimeType ?? media.MimeType ?? response.Content.Headers.ContentType?.MediaType, media.FileName,
                Size(located.FileSize) ?? response.Content.Headers.ContentLength, owner: response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary><c>{baseUrl}/{apiVersion}/{media-id}?phone_number_id=…</c>: Meta answers only for media of the session's own number.</summary>
    public static Uri MediaEndpoint(Session session, string mediaId)
    {
        var settings = ProviderSettingsSchema.Read<WhatsAppCloudSettings>(session);
        if (settings.BaseUrl is not { } baseUrl)
            throw new ProviderException("the session's baseUrl setting is not an absolute URL", transient: false);
        if (settings.ApiVersion is not { } version)
            throw new ProviderException("the session's apiVersion setting is not a Graph API version such as v26.0", transient: false);
        var number = settings.PhoneNumberId is { } id ? $"?phone_number_id={id}" : "";
        return new Uri($"{baseUrl.OriginalString.TrimEnd('/')}/{Uri.EscapeDataString(version)}/{Uri.EscapeDataString(mediaId)}{number}");
    }

    private async Task<CloudMediaUrl> RetrieveAsync(HttpClient client, Session session, Uri endpoint, string token, string mediaId,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await SendAsync(client, request, "retrieving the media URL", HttpCompletionOption.ResponseContentRead, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw Refused(session, mediaId, response.StatusCode, RetrieveError(response, GraphError.Parse(text)));
        return Read(text) ?? throw Refused(session, mediaId, response.StatusCode,
            new ProviderException("the WhatsApp Cloud API answered the media id with a body of another shape than documented", transient: false));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, string step,
        HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SendAsync(request, completion, cancellationToken);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException($"{step}: the WhatsApp Cloud API did not answer in time", transient: true, inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"{step}: the WhatsApp Cloud API could not be reached ({ex.HttpRequestError})", transient: true, inner: ex);
        }
    }

    /// <summary>
    /// Why <c>GET /{media-id}</c> failed: a media id Meta does not have (404, or Graph's error 100 for an object that does not
    /// exist) is permanent; the rest as a send's errors (<see cref="WhatsAppCloudErrors"/>: 401/190 permanent, 429, 5xx and
    /// throttling codes transient).
    /// </summary>
    private ProviderException RetrieveError(HttpResponseMessage response, GraphError? error)
    {
        const string step = "retrieving the media URL";
        var meta = error is { Code: { } code } ? $" (Meta error {code}{(error.Message is { Length: > 0 } m ? ", " + m : "")})" : "";
        if (response.StatusCode == HttpStatusCode.NotFound || (response.StatusCode == HttpStatusCode.BadRequest && error?.Code == 100))
            return new ProviderException($"{step}: WhatsApp does not have this media (media ids in webhooks expire after 7 days){meta}", transient: false);
        var mapped = WhatsAppCloudErrors.Map(response.StatusCode, error, RetryAfter.Of(response, time));
        return new ProviderException($"{step}: {mapped.Message}", mapped.IsTransient, mapped.RetryAfter);
    }

    private ProviderException DownloadError(HttpResponseMessage response)
    {
        const string step = "downloading the media";
        var status = (int)response.StatusCode;
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new($"{step}: the download URL refused the access token (HTTP {status})", transient: false),
            HttpStatusCode.NotFound or HttpStatusCode.Gone => new($"{step}: WhatsApp no longer has this media (HTTP {status})", transient: false),
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout =>
                new($"{step}: WhatsApp is throttling (HTTP {status})", transient: true, RetryAfter.Of(response, time)),
            _ when status >= 500 => new($"{step}: WhatsApp failed (HTTP {status})", transient: true, RetryAfter.Of(response, time)),
            _ => new($"{step}: WhatsApp refused the download (HTTP {status})", transient: false),
        };
    }

    private ProviderException Refused(Session session, string mediaId, HttpStatusCode status, ProviderException error)
    {
        LogRefused(session.Id, mediaId, (int)status, error.IsTransient, error.Message);
        return error;
    }

    private static CloudMediaUrl? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CloudJson.Default.CloudMediaUrl);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>file_size</c>: a string of digits in Meta's example, a number in older ones.</summary>
    private static long? Size(JsonElement size) =>
        size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var number) && number >= 0 ? number
        : long.TryParse(CallbackJson.Text(size), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number)
            ? number
            : null;

    [LoggerMessage(LogLevel.Warning,
        "WhatsApp Cloud media {MediaId} of session {Session} could not be opened ({Status}, transient: {Transient}): {Reason}")]
    private partial void LogRefused(string session, string mediaId, int status, bool transient, string reason);
}
