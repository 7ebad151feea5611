using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Http;
using ChatSend.Providers.Settings;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary><c>ChatSend:WhatsAppCloud</c>: how long one call to the Cloud API may take (below the delivery claim lease).</summary>
public sealed class WhatsAppCloudOptions
{
    public const string Section = "ChatSend:WhatsAppCloud";

    [Range(typeof(TimeSpan), "00:00:01", "00:00:50")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a session's template catalogue is used before it is read from Meta again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan TemplatesFreshness { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Meta's WhatsApp Cloud API: <c>POST {baseUrl}/{apiVersion}/{phoneNumberId}/messages</c> with the session's access
/// token (settings and secrets: <see cref="WhatsAppCloudSettings"/>). Media goes by link (the staged file's read-only
/// URL), so Meta downloads it; a voice note is audio with <c>voice: true</c>; a reply carries <c>context.message_id</c>.
/// The same endpoint marks a customer's message read (<c>status: read</c>). The API has no group sends. Delivery owns
/// retries: this client never repeats a send.
/// </summary>
public sealed partial class WhatsAppCloudProvider(IHttpClientFactory httpClients, ProviderSecrets secrets, TimeProvider time,
    WhatsAppCloudSessions sessions, WhatsAppCloudTemplates templates, ILogger<WhatsAppCloudProvider> logger) : IChannelProvider
{
    public const string ProviderName = "whatsapp-cloud";
    public const string HttpClientName = "ChatSend.WhatsAppCloud";

    /// <summary>Text (with a link preview), image, video, document and voice notes, to phone numbers only.</summary>
    public static ProviderCapabilities Supported { get; } = new(
        new HashSet<MessageType> { MessageType.Text, MessageType.Image, MessageType.Video, MessageType.Document, MessageType.Ptt },
        Groups: false, Preview: true) { Templates = true, Replies = true, MarkRead = true, InboundMedia = true };

    public string Name => ProviderName;

    public ProviderCapabilities Capabilities => Supported;

    public ProviderSettingsSchema Settings => ProviderSettingsSchema.Of<WhatsAppCloudSettings>();

    /// <summary>Meta's default throughput for a business phone number, 80 messages a second; a session may set its own.</summary>
    public Delivery.PacingDefaults Pacing => DefaultPacing;

    public string DefaultWindowPolicy => Chats.ChatWindows.Enforce; // Meta refuses free-form messages outside the window (131047)

    public static Delivery.PacingDefaults DefaultPacing { get; } = new(MaxPerMinute: 80 * 60, MinRecipientGap: null, Jitter: false);

    /// <summary>A phone number is one session's: Meta's callbacks name only the number, and reach that session alone.</summary>
    public async Task<IReadOnlyList<SettingError>> CheckAsync(Session session, CancellationToken cancellationToken) =>
        ProviderSettingsSchema.Read<WhatsAppCloudSettings>(session).PhoneNumberId is { } phone
        && (await sessions.FindByPhoneNumberIdAsync(phone, cancellationToken)).FirstOrDefault(s => s.Id != session.Id) is { } owner
            ? [new SettingError("setting", ProviderSettingsSchema.KeyOf(nameof(WhatsAppCloudSettings.PhoneNumberId)),
                $"is already the phone number of session '{owner.Id}'")]
            : [];

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        var answer = await PostAsync(session, Body(message), cancellationToken);
        if (answer.Succeeded && MessageIdOf(answer.Text) is { } id)
            return new ProviderReceipt(id);
        var refused = Refused(session, "a send", answer);
        if (WhatsAppCloudErrors.IsTemplateError(GraphError.Parse(answer.Text)?.Code))
            templates.Forget(session); // the catalogue may be out of date: the next send reads it again
        throw refused;
    }

    /// <summary>The session's templates from its WhatsApp Business Account (<see cref="WhatsAppCloudTemplates"/>).</summary>
    public Task<IReadOnlyList<Templates.MessageTemplate>> GetTemplatesAsync(Session session, bool refresh, CancellationToken cancellationToken) =>
        templates.GetAsync(session, refresh, cancellationToken);

    /// <summary>
    /// <c>{"messaging_product":"whatsapp","status":"read","message_id":…}</c> to the messages endpoint: the customer sees
    /// the message (and, in a one-to-one chat, the ones before it) read.
    /// </summary>
    public async Task MarkReadAsync(ReceivedMessage message, Session session, CancellationToken cancellationToken)
    {
        var answer = await PostAsync(session, ReadBody(message.ProviderMessageId), cancellationToken);
        if (!answer.Succeeded)
            throw Refused(session, "marking a message read", answer);
    }

    /// <summary>The read-marking body, as the Cloud API documents it.</summary>
    public static JsonObject ReadBody(string providerMessageId) => new()
    {
        ["messaging_product"] = "whatsapp",
        ["status"] = "read",
        ["message_id"] = providerMessageId,
    };

    private sealed record Answer(HttpStatusCode Status, string Text, TimeSpan? RetryAfter)
    {
        public bool Succeeded => (int)Status is >= 200 and < 300;
    }

    /// <summary>One POST to the session's messages endpoint with its token; no answer in time, or none at all, is transient.</summary>
    private async Task<Answer> PostAsync(Session session, JsonObject body, CancellationToken cancellationToken)
    {
        var endpoint = MessagesEndpoint(session);
        var token = secrets.Require(session, WhatsAppCloudSettings.AccessToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException("the WhatsApp Cloud API did not answer in time", transient: true, inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"the WhatsApp Cloud API could not be reached ({ex.HttpRequestError})", transient: true, inner: ex);
        }
        using (response)
            return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), RetryAfter.Of(response, time));
    }

    private ProviderException Refused(Session session, string action, Answer answer)
    {
        var error = WhatsAppCloudErrors.Map(answer.Status, GraphError.Parse(answer.Text), answer.RetryAfter);
        LogRefused(action, session.Id, (int)answer.Status, error.IsTransient, error.Message);
        return error;
    }

    /// <summary>The messages endpoint of the session's phone number, from its settings.</summary>
    public static Uri MessagesEndpoint(Session session)
    {
        var settings = ProviderSettingsSchema.Read<WhatsAppCloudSettings>(session);
        if (settings.PhoneNumberId is not { } phoneNumberId)
            throw new ProviderException("the session has no valid phoneNumberId setting (session … --setting phoneNumberId=<id from Meta>)", transient: false);
        if (settings.BaseUrl is not { } baseUrl)
            throw new ProviderException("the session's baseUrl setting is not an absolute URL", transient: false);
        if (settings.ApiVersion is not { } version)
            throw new ProviderException("the session's apiVersion setting is not a Graph API version such as v26.0", transient: false);
        return new Uri($"{baseUrl.OriginalString.TrimEnd('/')}/{Uri.EscapeDataString(version)}/{phoneNumberId}/messages");
    }

    /// <summary>The request body, as the Cloud API documents it for each type.</summary>
    public static JsonObject Body(OutboundMessage message)
    {
        if (message.Recipient.Contains('@'))
            throw new ProviderException("the WhatsApp Cloud API cannot send to groups", transient: false);
        var body = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["to"] = new string(message.Recipient.Where(char.IsAsciiDigit).ToArray()),
        };
        if (message.QuotedProviderId is { } quoted)
            body["context"] = new JsonObject { ["message_id"] = quoted }; // a contextual reply: the quoted message above this one
        var (type, content) = message.Type switch
        {
            MessageType.Text => ("text", new JsonObject { ["body"] = message.Text ?? "", ["preview_url"] = message.Preview is not null }),
            MessageType.Image => ("image", WithCaption(Media(message), message.Text)),
            MessageType.Video => ("video", WithCaption(Media(message), message.Text)),
            MessageType.Document => ("document", WithFileName(WithCaption(Media(message), message.Text), Media(message))),
            MessageType.Ptt => ("audio", new JsonObject { ["link"] = Media(message).Url.AbsoluteUri, ["voice"] = true }),
            MessageType.Template => ("template", Template(message)),
            MessageType.Audio or MessageType.Sticker or MessageType.Location or MessageType.Contacts or MessageType.Reaction
                or MessageType.Button or MessageType.Unsupported => throw ProviderException.NotSendable(message.Type),
        };
        body["type"] = type;
        body[type] = content;
        return body;
    }

    /// <summary>
    /// The template object: name, <c>language.code</c>, and components for the header (a file by link, or a text), the body
    /// (text parameters in order, each with its <c>parameter_name</c> when named) and each button (a quick reply's
    /// <c>payload</c>, a URL button's <c>text</c>), as the Cloud API documents them.
    /// </summary>
    private static JsonObject Template(OutboundMessage message)
    {
        var template = message.Template ?? throw new ProviderException("a template message has no template", transient: false);
        var components = new JsonArray();
        if (template.HeaderMedia is { } headerType)
        {
            var media = Media(message);
            var (kind, file) = headerType switch
            {
                MessageType.Image => ("image", new JsonObject { ["link"] = media.Url.AbsoluteUri }),
                MessageType.Video => ("video", new JsonObject { ["link"] = media.Url.AbsoluteUri }),
                MessageType.Document => ("document", new JsonObject { ["link"] = media.Url.AbsoluteUri, ["filename"] = media.FileName }),
                MessageType.Text or MessageType.Ptt or MessageType.Audio or MessageType.Sticker or MessageType.Location or MessageType.Contacts
                    or MessageType.Reaction or MessageType.Button or MessageType.Unsupported or MessageType.Template =>
                    throw new ProviderException($"a template header cannot be {headerType.ToWire()}", transient: false),
            };
            components.Add(new JsonObject
            {
                ["type"] = "header",
                ["parameters"] = new JsonArray(new JsonObject { ["type"] = kind, [kind] = file }),
            });
        }
        else if (template.HeaderText is { } headerText)
            components.Add(new JsonObject
            {
                ["type"] = "header",
                ["parameters"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = headerText }),
            });
        IEnumerable<JsonObject> body = template.Named is { } named
            ? named.Select(p => new JsonObject { ["type"] = "text", ["parameter_name"] = p.Key, ["text"] = p.Value })
            : (template.Positional ?? []).Select(v => new JsonObject { ["type"] = "text", ["text"] = v });
        var parameters = new JsonArray(body.Select(JsonNode? (p) => p).ToArray());
        if (parameters.Count > 0)
            components.Add(new JsonObject { ["type"] = "body", ["parameters"] = parameters });
        foreach (var button in template.Buttons.OrderBy(b => b.Index))
            components.Add(new JsonObject
            {
                ["type"] = "button",
                ["sub_type"] = button.Payload is not null ? "quick_reply" : "url",
                ["index"] = button.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["parameters"] = new JsonArray(button.Payload is { } payload
                    ? new JsonObject { ["type"] = "payload", ["payload"] = payload }
                    : new JsonObject { ["type"] = "text", ["text"] = button.Text }),
            });
        var content = new JsonObject { ["name"] = template.Name, ["language"] = new JsonObject { ["code"] = template.Language } };
        if (components.Count > 0)
            content["components"] = components;
        return content;
    }

    private static OutboundMedia Media(OutboundMessage message) =>
        message.Media ?? throw new ProviderException($"a {message.Type.ToWire()} message has no media", transient: false);

    private static JsonObject WithFileName(JsonObject content, OutboundMedia media)
    {
        content["filename"] = media.FileName;
        return content;
    }

    private static JsonObject WithCaption(OutboundMedia media, string? caption)
    {
        var content = new JsonObject { ["link"] = media.Url.AbsoluteUri };
        if (!string.IsNullOrEmpty(caption))
            content["caption"] = caption;
        return content;
    }

    private static string? MessageIdOf(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array
                   && messages.GetArrayLength() > 0 && messages[0].TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } value
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "WhatsApp Cloud API refused {Action} for session {Session} ({Status}, transient: {Transient}): {Reason}")]
    private partial void LogRefused(string action, string session, int status, bool transient, string reason);
}

/// <summary>A Graph API error body: <c>{"error":{"message","type","code","error_subcode","error_data":{"details"},"fbtrace_id"}}</c>.</summary>
public sealed record GraphError(int? Code, string? Message, string? Details)
{
    public static GraphError? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (!document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
                return null;
            int? code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : null;
            var message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
            var details = error.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object
                          && data.TryGetProperty("details", out var d) ? d.GetString() : null;
            return new GraphError(code, message, details);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// What a Cloud API failure means for delivery, from the error codes Meta documents: throttling and Meta's own
/// trouble are transient (Retry-After honoured); the rest are permanent with a reason a person can act on.
/// </summary>
public static class WhatsAppCloudErrors
{
    private static readonly HashSet<int> Transient = [4, 80007, 130429, 131000, 131016, 131056, 133004];

    /// <summary>
    /// Meta's template errors, what each means (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):
    /// permanent, whether answered at once or reported later in a status webhook.
    /// </summary>
    public static IReadOnlyDictionary<int, string> TemplateErrors { get; } = new Dictionary<int, string>
    {
        [132000] = "the number of template parameters does not match what the approved template expects",
        [132001] = "the template does not exist in this language, or is not approved",
        [132005] = "the template's text with its parameters filled in is too long",
        [132007] = "the template's content breaks a WhatsApp policy (format or characters)",
        [132012] = "the template's parameter values are not in the format the template expects",
        [132015] = "the template is paused for low quality: it cannot be sent until it is unpaused",
        [132016] = "the template is disabled for low quality: it can no longer be sent",
    };

    public static bool IsTemplateError(int? code) => code is { } c && TemplateErrors.ContainsKey(c);

    private static readonly Dictionary<int, string> Reasons = new()
    {
        [0] = "the access token could not be authenticated: generate a new one",
        [190] = "the access token has expired or is not valid: generate a new one and update the secret",
        [3] = "the app lacks the capability or permission for sending (check the token's permissions)",
        [10] = "permission is not granted or was revoked (whatsapp_business_messaging)",
        [100] = "the request has an invalid or unsupported parameter",
        [131008] = "a required parameter is missing",
        [131009] = "a parameter value is not valid",
        [131021] = "the recipient is the sending number itself",
        [131026] = "the message could not be delivered: the recipient may not be on WhatsApp, or uses an old version",
        [131030] = "the recipient is not in the allowed list of this test number",
        [131031] = "the business account is locked",
        [131042] = "a payment problem on the business account",
        [131045] = "the sending number is not registered (certificate)",
        [131047] = "more than 24 hours since the customer's last message: a template is required",
        [131049] = "Meta did not deliver the message to keep engagement healthy",
        [131050] = "the recipient stopped marketing messages from this business",
        [131051] = "WhatsApp does not support this message type",
        [131052] = "WhatsApp could not download the media",
        [131053] = "WhatsApp could not upload the media (type or size not accepted)",
        [368] = "the account is temporarily blocked for policy violations",
    };

    /// <summary>Meta's "re-engagement message": more than 24 hours since the customer's last message.</summary>
    public const int ReEngagement = 131047;

    public static ProviderException Map(HttpStatusCode status, GraphError? error, TimeSpan? retryAfter)
    {
        var code = error?.Code;
        var meta = error is null ? null : string.Join(": ", new[] { error.Message, error.Details }.Where(s => !string.IsNullOrWhiteSpace(s)));
        var suffix = code is { } c ? $" (Meta error {c}{(string.IsNullOrEmpty(meta) ? "" : ", " + meta)})" : "";
        if (code is { } t && Transient.Contains(t))
            return new ProviderException($"WhatsApp is throttling or briefly unavailable{suffix}", transient: true, retryAfter);
        if (code is { } template && TemplateErrors.TryGetValue(template, out var meaning))
            return new ProviderException($"WhatsApp refused the template: {meaning}{suffix}", transient: false);
        if (code is { } known && Reasons.TryGetValue(known, out var reason))
            return new ProviderException(reason + suffix, transient: false) { ClosesWindow = known == ReEngagement };
        if (status == HttpStatusCode.Unauthorized)
            return new ProviderException("the access token was refused (HTTP 401): it is wrong or expired" + suffix, transient: false);
        if (status == HttpStatusCode.TooManyRequests)
            return new ProviderException("WhatsApp is throttling (HTTP 429)" + suffix, transient: true, retryAfter);
        if ((int)status >= 500)
            return new ProviderException($"the WhatsApp Cloud API failed (HTTP {(int)status}){suffix}", transient: true, retryAfter);
        if ((int)status is >= 200 and < 300)
            return new ProviderException("the WhatsApp Cloud API answered without a message id", transient: false);
        return new ProviderException($"the WhatsApp Cloud API refused the message (HTTP {(int)status}){suffix}", transient: false);
    }
}
