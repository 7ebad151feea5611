using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Http;
using ChatSend.Providers.Settings;
using ChatSend.Send;
using ChatSend.Sessions;

namespace ChatSend.Providers.Waha;

/// <summary>
/// WAHA, the self-hosted WhatsApp HTTP API (devlikeapro/waha). Settings and secrets: <see cref="WahaSettings"/>; the
/// <c>apiKey</c> secret goes as <c>X-Api-Key</c>, <c>webhookHmacKey</c> checks WAHA's callbacks (<see cref="WahaCallback"/>).
/// Media is sent by URL (the staged file's read-only link), so WAHA downloads it; a reply names the quoted message in
/// <c>reply_to</c>; <c>POST /api/sendSeen</c> marks a customer's message read; <c>GET /api/contacts/check-exists</c> is
/// the number check. No request is retried here: delivery owns retries.
/// </summary>
public sealed class WahaProvider(IHttpClientFactory httpClients, ProviderSecrets secrets, TimeProvider time) : IChannelProvider
{
    public const string ProviderName = "waha";
    public const string HttpClientName = "ChatSend.Waha";
    public const string GroupSuffix = "@g.us";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Text (with custom link previews), image, video, file and voice, to phone numbers and groups.</summary>
    public static ProviderCapabilities Supported { get; } = new(
        new HashSet<MessageType> { MessageType.Text, MessageType.Image, MessageType.Video, MessageType.Document, MessageType.Ptt },
        Groups: true, Preview: true) { Replies = true, MarkRead = true, NumberCheck = true, InboundMedia = true };

    public string Name => ProviderName;

    public ProviderCapabilities Capabilities => Supported;

    public ProviderSettingsSchema Settings => ProviderSettingsSchema.Of<WahaSettings>();

    /// <summary>
    /// Conservative, as a self-hosted number that sends in bursts risks a ban: 20 a minute with jitter and 10 s between
    /// two messages to one recipient, unless the session sets its own.
    /// </summary>
    public Delivery.PacingDefaults Pacing => DefaultPacing;

    public static Delivery.PacingDefaults DefaultPacing { get; } = new(MaxPerMinute: 20, MinRecipientGap: TimeSpan.FromSeconds(10), Jitter: true);

    /// <summary>WAHA's own status of the session (<c>GET /api/sessions/{session}</c>): WORKING, SCAN_QR_CODE, FAILED, STOPPED, STARTING.</summary>
    public async Task<ProviderSessionState?> GetStateAsync(Session session, CancellationToken cancellationToken)
    {
        var settings = ProviderSettingsSchema.Read<WahaSettings>(session);
        var name = WahaSession(session, settings);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUrl(settings), $"api/sessions/{Uri.EscapeDataString(name)}"));
        request.Headers.Add("X-Api-Key", secrets.Require(session, WahaSettings.ApiKey));
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            return new ProviderSessionState("unknown", $"WAHA answered {(int)response.StatusCode} for its session '{name}'");
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))?["status"]?.GetValue<string>() ?? "unknown";
        return new ProviderSessionState(status, status switch
        {
            "SCAN_QR_CODE" => "scan the QR code in WAHA to link the number",
            "FAILED" => "the session failed in WAHA: restart it there",
            "STOPPED" => "start the session in WAHA",
            _ => null,
        });
    }

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        var settings = ProviderSettingsSchema.Read<WahaSettings>(session);
        var chatId = ChatId(message.Recipient);
        var (path, body) = Request(message, WahaSession(session, settings), chatId);
        var text = await PostAsync(session, settings, path, body, cancellationToken);
        var id = MessageId(text, chatId)
            ?? throw new ProviderException("WAHA accepted the message but its answer holds no message id", transient: false);
        return new ProviderReceipt(id);
    }

    /// <summary>
    /// <c>POST /api/sendSeen</c> with the message's id in <c>messageIds</c> (without it WAHA marks the whole chat), and in
    /// a group the sender as <c>participant</c>, which the NOWEB engine needs and the others ignore.
    /// </summary>
    public async Task MarkReadAsync(ReceivedMessage message, Session session, CancellationToken cancellationToken)
    {
        var settings = ProviderSettingsSchema.Read<WahaSettings>(session);
        var body = new JsonObject
        {
            ["session"] = WahaSession(session, settings),
            ["chatId"] = ChatId(message.Chat),
            ["messageIds"] = new JsonArray(message.ProviderMessageId),
        };
        if (message.Chat.EndsWith(GroupSuffix, StringComparison.Ordinal))
            body["participant"] = ChatId(message.Sender);
        await PostAsync(session, settings, "api/sendSeen", body, cancellationToken);
    }

    /// <summary>
    /// <c>GET /api/contacts/check-exists?phone=&lt;digits&gt;&amp;session=&lt;wahaSession&gt;</c>, answered 200
    /// <c>{"numberExists": true, "chatId": "…@c.us"}</c> or <c>{"numberExists": false}</c>
    /// (https://waha.devlike.pro/docs/how-to/contacts/#check-phone-number-exists; src/api/contacts.controller.ts). A session
    /// that is not WORKING is WAHA's 422, as for a send.
    /// </summary>
    public async Task<bool> IsOnWhatsAppAsync(Session session, string phone, CancellationToken cancellationToken)
    {
        var settings = ProviderSettingsSchema.Read<WahaSettings>(session);
        var query = $"api/contacts/check-exists?phone={Uri.EscapeDataString(phone.TrimStart('+'))}&session={Uri.EscapeDataString(WahaSession(session, settings))}";
        var text = await SendAsync(session, settings, HttpMethod.Get, query, null, cancellationToken);
        try
        {
            return JsonNode.Parse(text) is JsonObject answer && answer["numberExists"] is JsonValue exists && exists.TryGetValue<bool>(out var value)
                ? value
                : throw new ProviderException("WAHA's number check answered without numberExists", transient: false);
        }
        catch (JsonException ex)
        {
            throw new ProviderException("WAHA's number check answered with something other than JSON", transient: false, inner: ex);
        }
    }

    /// <summary>One POST with the session's API key; returns WAHA's answer, or throws what its error means.</summary>
    private Task<string> PostAsync(Session session, WahaSettings settings, string path, JsonObject body, CancellationToken cancellationToken) =>
        SendAsync(session, settings, HttpMethod.Post, path, body, cancellationToken);

    /// <summary>One call with the session's API key; returns WAHA's answer, or throws what its error means.</summary>
    private async Task<string> SendAsync(Session session, WahaSettings settings, HttpMethod method, string path, JsonObject? body,
        CancellationToken cancellationToken)
    {
        var baseUrl = BaseUrl(settings);
        var apiKey = secrets.Require(session, WahaSettings.ApiKey);
        using var request = new HttpRequestMessage(method, new Uri(baseUrl, path));
        if (body is not null)
            request.Content = JsonContent.Create(body);
        request.Headers.Add("X-Api-Key", apiKey);
        request.Headers.Accept.ParseAdd("application/json");

        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"WAHA could not be reached: {ex.Message}", transient: true, inner: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException($"WAHA did not answer within {Timeout.TotalSeconds:0} seconds", transient: true, inner: ex);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode ? text : throw Failure(response, text);
        }
    }

    private static Uri BaseUrl(WahaSettings settings) =>
        settings.BaseUrl is { } value && Uri.TryCreate(value.OriginalString.EndsWith('/') ? value.OriginalString : value.OriginalString + "/",
            UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ProviderException("the session has no valid baseUrl setting for WAHA (session … --setting baseUrl=https://waha.example.com)",
                transient: false);

    private static string WahaSession(Session session, WahaSettings settings) => settings.WahaSession ?? session.Id;

    /// <summary>
    /// WAHA's chat id: the international number's digits with <c>@c.us</c>; a group JID, or another id WhatsApp gave
    /// (a LID, <c>…@lid</c>), as it is.
    /// </summary>
    public static string ChatId(string address) =>
        address.Contains('@') ? address : address.TrimStart('+') + "@c.us";

    private static (string Path, JsonObject Body) Request(OutboundMessage message, string wahaSession, string chatId)
    {
        var body = new JsonObject { ["session"] = wahaSession, ["chatId"] = chatId };
        if (message.QuotedProviderId is { } quoted)
            body["reply_to"] = quoted; // every send endpoint takes it: the serialized id, false_…@c.us_… or true_…
        return message.Type switch
        {
            MessageType.Text when message.Preview is { Count: > 0 } preview => ("api/send/link-custom-preview", WithPreview(body, message.Text, preview)),
            MessageType.Text => ("api/sendText", WithText(body, message.Text)),
            MessageType.Image => ("api/sendImage", WithFile(body, message, caption: true)),
            MessageType.Video => ("api/sendVideo", WithFile(body, message, caption: true)),
            MessageType.Document => ("api/sendFile", WithFile(body, message, caption: true)),
            MessageType.Ptt => ("api/sendVoice", WithFile(body, message, caption: false)),
            MessageType.Audio or MessageType.Sticker or MessageType.Location or MessageType.Contacts or MessageType.Reaction
                or MessageType.Button or MessageType.Unsupported or MessageType.Template => throw ProviderException.NotSendable(message.Type),
        };
    }

    private static JsonObject WithText(JsonObject body, string? text)
    {
        body["text"] = text;
        return body;
    }

    private static JsonObject WithPreview(JsonObject body, string? text, IReadOnlyDictionary<string, string> preview)
    {
        WithText(body, text);
        body["linkPreviewHighQuality"] = true;
        body["preview"] = Preview(preview);
        return body;
    }

    private static JsonObject WithFile(JsonObject body, OutboundMessage message, bool caption)
    {
        var media = message.Media ?? throw new ProviderException($"a {message.Type.ToWire()} message has no staged media", transient: false);
        body["file"] = new JsonObject { ["mimetype"] = media.MimeType, ["filename"] = media.FileName, ["url"] = media.Url.AbsoluteUri };
        if (caption && message.Text is { Length: > 0 } text)
            body["caption"] = text;
        return body;
    }

    /// <summary>WAHA's custom preview: <c>url</c> and <c>title</c> required, <c>description</c> and an <c>image</c> URL optional.</summary>
    private static JsonObject Preview(IReadOnlyDictionary<string, string> preview)
    {
        if (preview.GetValueOrDefault("url") is not { Length: > 0 } url || preview.GetValueOrDefault("title") is not { Length: > 0 } title)
            throw new ProviderException("WAHA needs preview.url and preview.title for a custom link preview", transient: false);
        var result = new JsonObject { ["url"] = url, ["title"] = title };
        if (preview.GetValueOrDefault("description") is { Length: > 0 } description)
            result["description"] = description;
        if (preview.GetValueOrDefault("image") is { Length: > 0 } image)
            result["image"] = new JsonObject { ["url"] = image };
        return result;
    }

    /// <summary>
    /// The message id as WAHA's <c>message.ack</c> callbacks carry it (<c>true_&lt;chatId&gt;_&lt;id&gt;</c>): WEBJS
    /// answers <c>id._serialized</c>, other engines <c>id</c> as a string, NOWEB the Baileys <c>key</c>.
    /// </summary>
    public static string? MessageId(string json, string chatId)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return null;
            if (root.TryGetProperty("id", out var id))
            {
                if (id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } plain)
                    return plain;
                if (id.ValueKind == JsonValueKind.Object && id.TryGetProperty("_serialized", out var serialized)
                    && serialized.ValueKind == JsonValueKind.String && serialized.GetString() is { Length: > 0 } value)
                    return value;
            }
            if (root.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.Object
                && key.TryGetProperty("id", out var keyId) && keyId.ValueKind == JsonValueKind.String && keyId.GetString() is { Length: > 0 } shortId)
                return $"true_{chatId}_{shortId}";
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What WAHA's error answer means for delivery: the reason a person reads, and whether to try again.</summary>
    private ProviderException Failure(HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfter.Of(response, time);
        var said = Said(body);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                return new ProviderException($"WAHA refused the API key ({status}): check the session's apiKey secret", transient: false);
            case HttpStatusCode.UnprocessableEntity when SessionStatus(body) is { } sessionStatus:
                return new ProviderException($"the WAHA session is not working (status {sessionStatus}); it must be WORKING to send",
                    transient: true, retryAfter);
            case HttpStatusCode.NotFound:
                return new ProviderException($"WAHA answered 404{said}: check the baseUrl and wahaSession settings", transient: false);
            case HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout:
                return new ProviderException($"WAHA is rate limiting or busy ({status}){said}", transient: true, retryAfter);
            case var _ when status >= 500:
                return new ProviderException($"WAHA failed ({status}){said}", transient: true, retryAfter);
            default:
                return new ProviderException($"WAHA refused the message ({status}){said}", transient: false);
        }
    }

    /// <summary>WAHA's 422 for a session that is not WORKING: <c>{"error": …, "session": …, "status": "STARTING", "expected": ["WORKING"]}</c>.</summary>
    private static string? SessionStatus(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("status", out var s)
                && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The message of a NestJS error body (<c>{"statusCode":400,"message":[…],"error":"Bad Request"}</c>), shortened.</summary>
    private static string Said(string body)
    {
        string? text = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                var message = root.TryGetProperty("message", out var m) ? m : root.TryGetProperty("error", out var e) ? e : default;
                text = message.ValueKind switch
                {
                    JsonValueKind.String => message.GetString(),
                    JsonValueKind.Array => string.Join("; ", message.EnumerateArray().Select(x => x.ToString())),
                    _ => null,
                };
            }
        }
        catch (JsonException)
        {
        }
        if (string.IsNullOrWhiteSpace(text))
            return "";
        return ": " + (text.Length > 300 ? text[..300] + "…" : text);
    }
}
