using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Delivery;
using ChatSend.Http;
using ChatSend.Providers.Settings;
using ChatSend.Send;
using ChatSend.Sessions;

namespace ChatSend.Providers.Evolution;

/// <summary>
/// Evolution API v2 (self-hosted WhatsApp gateway over WhatsApp Web). Settings and secrets: <see cref="EvolutionSettings"/>;
/// the <c>apiKey</c> secret goes as the <c>apikey</c> header, <c>webhookToken</c> checks Evolution's callbacks
/// (<see cref="EvolutionCallback"/>). Text goes to <c>POST /message/sendText/{instance}</c>, image, video and document to
/// <c>/message/sendMedia/{instance}</c> with the staged file's read-only URL, ptt to
/// <c>/message/sendWhatsAppAudio/{instance}</c>; the answer's <c>key.id</c> is the provider's message id. A reply quotes
/// with <c>quoted.key.id</c>; <c>/chat/markMessageAsRead/{instance}</c> marks a customer's message read;
/// <c>/chat/whatsappNumbers/{instance}</c> is the number check. Sends are
/// never retried here: the delivery pipeline retries what this reports as transient.
/// </summary>
public sealed class EvolutionProvider(IHttpClientFactory httpClients, ProviderSecrets secrets, TimeProvider time) : IChannelProvider
{
    public const string ProviderName = "evolution";
    public const string HttpClientName = "ChatSend.Evolution";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Every type, to phones and groups; Evolution has only an on/off link preview, no custom preview fields.</summary>
    public static ProviderCapabilities Supported { get; } = new(
        new HashSet<MessageType> { MessageType.Text, MessageType.Image, MessageType.Video, MessageType.Document, MessageType.Ptt },
        Groups: true, Preview: false) { Replies = true, MarkRead = true, NumberCheck = true, InboundMedia = true };

    public string Name => ProviderName;

    public ProviderCapabilities Capabilities => Supported;

    public ProviderSettingsSchema Settings => ProviderSettingsSchema.Of<EvolutionSettings>();

    /// <summary>
    /// Conservative: Evolution drives an ordinary WhatsApp account through WhatsApp Web, which has no published rate
    /// limit and bans numbers that send in bursts; 20 a minute with jitter and 10 s between two messages to one
    /// recipient look like a person typing rather than a script.
    /// </summary>
    public PacingDefaults Pacing => DefaultPacing;

    public static PacingDefaults DefaultPacing { get; } = new(20, TimeSpan.FromSeconds(10), Jitter: true);

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        var api = Api(session);
        var number = Number(message.Recipient);
        var (path, body) = message.Type switch
        {
            MessageType.Text => ("sendText", new JsonObject { ["number"] = number, ["text"] = message.Text ?? "", ["linkPreview"] = true }),
            MessageType.Image => ("sendMedia", Media(number, "image", message)),
            MessageType.Video => ("sendMedia", Media(number, "video", message)),
            MessageType.Document => ("sendMedia", Media(number, "document", message)),
            MessageType.Ptt => ("sendWhatsAppAudio", new JsonObject { ["number"] = number, ["audio"] = StagedMedia(message).Url.AbsoluteUri }),
            MessageType.Audio or MessageType.Sticker or MessageType.Location or MessageType.Contacts or MessageType.Reaction
                or MessageType.Button or MessageType.Unsupported or MessageType.Template => throw ProviderException.NotSendable(message.Type),
        };
        // Evolution finds the quoted message by its key id in its own store (message.schema.ts: quoted.key.id required).
        if (message.QuotedProviderId is { } quoted)
            body["quoted"] = new JsonObject { ["key"] = new JsonObject { ["id"] = quoted } };
        using var response = await api.SendAsync(HttpMethod.Post, $"message/{path}/{api.Instance}", body, cancellationToken);
        var answer = await EvolutionApi.ReadJsonAsync(response, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw api.Failure(response, answer);
        return answer is JsonObject { } sent && sent["key"] is JsonObject key && key["id"] is JsonValue id && id.TryGetValue<string>(out var keyId) && keyId.Length > 0
            ? new ProviderReceipt(keyId)
            : throw new ProviderException($"Evolution API answered {(int)response.StatusCode} without a message key id", transient: false);
    }

    /// <summary>
    /// <c>POST /chat/markMessageAsRead/{instance}</c> with the message's key: <c>remoteJid</c> (the chat's JID),
    /// <c>fromMe: false</c> and its id (chat.schema.ts, readMessageSchema). Evolution answers 201; it turns every failure
    /// into a 500 ("Read messages fail"), which is transient here like any 5xx.
    /// </summary>
    public async Task MarkReadAsync(ReceivedMessage message, Session session, CancellationToken cancellationToken)
    {
        var api = Api(session);
        var body = new JsonObject
        {
            ["readMessages"] = new JsonArray(new JsonObject
            {
                ["remoteJid"] = Jid(message.Chat),
                ["fromMe"] = false,
                ["id"] = message.ProviderMessageId,
            }),
        };
        using var response = await api.SendAsync(HttpMethod.Post, $"chat/markMessageAsRead/{api.Instance}", body, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw api.Failure(response, await EvolutionApi.ReadJsonAsync(response, cancellationToken));
    }

    /// <summary>
    /// <c>POST /chat/whatsappNumbers/{instance}</c> <c>{"numbers": ["&lt;digits&gt;"]}</c>, answered 200 with one
    /// <c>{"exists": bool, "jid": "…@s.whatsapp.net", "number": "&lt;as asked&gt;", "name"?, "lid"?}</c> per number
    /// (https://doc.evolution-api.com/v2/api-reference/chat-controller/check-is-whatsapp; src/api/routes/chat.router.ts,
    /// whatsappNumberSchema in src/validate/chat.schema.ts, whatsappNumber in whatsapp.baileys.service.ts, which also
    /// tries Brazil's, Mexico's and Argentina's numbers with and without their extra digit). Any failure inside is
    /// Evolution's 400 with the error as the body.
    /// </summary>
    public async Task<bool> IsOnWhatsAppAsync(Session session, string phone, CancellationToken cancellationToken)
    {
        var api = Api(session);
        var number = Number(phone);
        var body = new JsonObject { ["numbers"] = new JsonArray(number) };
        using var response = await api.SendAsync(HttpMethod.Post, $"chat/whatsappNumbers/{api.Instance}", body, cancellationToken);
        var answer = await EvolutionApi.ReadJsonAsync(response, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw api.Failure(response, answer);
        var results = (answer as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        // One number asked, one answered; matched by the number as asked, in case a version answers more.
        var result = results.FirstOrDefault(r => r["number"] is JsonValue n && n.TryGetValue<string>(out var asked) && asked == number)
            ?? (results.Count == 1 ? results[0] : null);
        return result?["exists"] is JsonValue exists && exists.TryGetValue<bool>(out var value)
            ? value
            : throw new ProviderException($"Evolution API answered {(int)response.StatusCode} to the number check without exists", transient: false);
    }

    /// <summary>A chat as WhatsApp names it: a phone number's digits <c>@s.whatsapp.net</c>; a group JID or another id as it is.</summary>
    public static string Jid(string chat) =>
        chat.Contains('@') ? chat : new string(chat.Where(char.IsAsciiDigit).ToArray()) + "@s.whatsapp.net";

    /// <summary><c>sendMedia</c>'s body: the staged file's link with its type, name and caption.</summary>
    private static JsonObject Media(string number, string mediaType, OutboundMessage message)
    {
        var media = StagedMedia(message);
        return new JsonObject
        {
            ["number"] = number,
            ["mediatype"] = mediaType,
            ["mimetype"] = media.MimeType,
            ["media"] = media.Url.AbsoluteUri,
            ["fileName"] = media.FileName,
            ["caption"] = message.Text ?? "",
        };
    }

    private static OutboundMedia StagedMedia(OutboundMessage message) =>
        message.Media ?? throw new ProviderException($"a {message.Type.ToWire()} message has no staged media", transient: false);

    /// <summary><c>GET /instance/connectionState/{instance}</c>: <c>open</c>, <c>connecting</c> or <c>close</c>.</summary>
    public async Task<ProviderSessionState?> GetStateAsync(Session session, CancellationToken cancellationToken)
    {
        var api = Api(session);
        using var response = await api.SendAsync(HttpMethod.Get, $"instance/connectionState/{api.Instance}", null, cancellationToken);
        var answer = await EvolutionApi.ReadJsonAsync(response, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw api.Failure(response, answer);
        var state = answer is JsonObject o && o["instance"] is JsonObject i && i["state"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "unknown";
        return new ProviderSessionState(state, state == "open"
            ? null
            : $"the instance '{api.Instance}' is not connected to WhatsApp: open the Evolution manager (or GET /instance/connect/{api.Instance}) and scan the QR code with the phone");
    }

    /// <summary>Digits for a phone number (Evolution adds the domain), the JID as it is for a group.</summary>
    public static string Number(string recipient) =>
        recipient.EndsWith("@g.us", StringComparison.OrdinalIgnoreCase) ? recipient : new string(recipient.Where(char.IsAsciiDigit).ToArray());

    private EvolutionApi Api(Session session) => EvolutionApi.For(session, httpClients, secrets, time);
}

/// <summary>One call's view of an Evolution server: its address, the instance and the key (a header, never logged).</summary>
internal sealed class EvolutionApi(HttpClient http, Uri baseUrl, string instance, string apiKey, TimeProvider time)
{
    /// <summary>The session's server, instance and apikey, from its settings (<see cref="EvolutionSettings"/>) and secrets.</summary>
    public static EvolutionApi For(Session session, IHttpClientFactory httpClients, ProviderSecrets secrets, TimeProvider time)
    {
        var settings = ProviderSettingsSchema.Read<EvolutionSettings>(session);
        if (settings.BaseUrl is not { Scheme: "http" or "https" } baseUrl)
            throw new ProviderException("the session's baseUrl setting must be the Evolution API's http(s) address (session … --setting baseUrl=https://…)", transient: false);
        if (settings.Instance is not { } instance)
            throw new ProviderException("the session names no Evolution instance (session … --setting instance=<name>)", transient: false);
        return new EvolutionApi(httpClients.CreateClient(EvolutionProvider.HttpClientName), baseUrl, instance, secrets.Require(session, EvolutionSettings.ApiKey), time);
    }

    public string Instance { get; } = Uri.EscapeDataString(instance);

    /// <summary>
    /// One call. With <see cref="HttpCompletionOption.ResponseHeadersRead"/> the answer's body is left to be read as it
    /// comes (a file), and only the wait for the headers is timed here.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(method, new Uri(new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/"), path));
        request.Headers.TryAddWithoutValidation("apikey", apiKey);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"Evolution API could not be reached: {ex.Message}", transient: true, inner: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException($"Evolution API did not answer within {EvolutionProvider.Timeout.TotalSeconds:0} s", transient: true, inner: ex);
        }
    }

    public static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Evolution's errors are <c>{"status":400,"error":"Bad Request","response":{"message":[…]}}</c>. A number that is
    /// not on WhatsApp is a 400 whose message is <c>{"jid":…,"exists":false,"number":…}</c>; a disconnected instance
    /// fails the send with "Connection Closed".
    /// </summary>
    public ProviderException Failure(HttpResponseMessage response, JsonNode? body)
    {
        var status = (int)response.StatusCode;
        var messages = (body is JsonObject o && o["response"] is JsonObject r ? r["message"] : null) switch
        {
            JsonArray array => array.ToList(),
            { } one => [one],
            null => [],
        };
        var text = string.Join("; ", messages.Select(m => m is JsonValue v && v.TryGetValue<string>(out var s) ? s : m?.ToJsonString()));
        if (status == 429 || status >= 500)
            return new ProviderException($"Evolution API answered {status}{(text.Length > 0 ? ": " + text : "")}", transient: true, RetryAfter.Of(response, time));
        if (status is 401 or 403)
            return new ProviderException($"Evolution API refused the apikey ({status}): check the session's apiKey secret", transient: false);
        if (text.Contains("Connection Closed", StringComparison.OrdinalIgnoreCase) || text.Contains("not connected", StringComparison.OrdinalIgnoreCase))
            return new ProviderException($"the Evolution instance '{Instance}' is not connected to WhatsApp (scan its QR code)", transient: true, RetryAfter.Of(response, time));
        if (messages.OfType<JsonObject>().FirstOrDefault(m => m["exists"] is JsonValue e && e.TryGetValue<bool>(out var exists) && !exists) is { } missing)
            return new ProviderException($"the number {missing["number"]?.ToString()} is not on WhatsApp", transient: false);
        if (status == 404)
            return new ProviderException($"Evolution API has no instance '{Instance}' or no such route (404){(text.Length > 0 ? ": " + text : "")}", transient: false);
        return new ProviderException($"Evolution API refused the request ({status}){(text.Length > 0 ? ": " + text : "")}", transient: false);
    }
}
