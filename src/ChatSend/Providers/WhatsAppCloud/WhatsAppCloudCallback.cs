using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatSend.Http;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>
/// Meta's callbacks for <c>whatsapp-cloud</c> (https://developers.facebook.com/docs/graph-api/webhooks/getting-started,
/// https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components). <c>GET</c> is the subscription handshake:
/// <c>hub.challenge</c> is echoed when <c>hub.verify_token</c> equals the <c>verifyToken</c> secret of any session on this
/// provider. <c>POST</c> names its sessions by each change's <c>metadata.phone_number_id</c> and is verified by
/// <c>X-Hub-Signature-256</c> (HMAC-SHA256 of the raw body with the app secret of a session of each number it names); its
/// <c>statuses</c> are reported, and its <c>messages</c> recorded as the customers' messages (<see cref="CloudMessageContent"/>).
/// Every refusal, an oversized body included, is 401.
/// </summary>
public sealed partial class WhatsAppCloudCallback(WhatsAppCloudSessions sessions, ProviderSecrets secrets, ILogger<WhatsAppCloudCallback> logger)
    : IProviderCallback
{
    public const string SignatureHeader = "X-Hub-Signature-256";
    private const string SignaturePrefix = "sha256=";

    private static readonly IResult Refused = Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook signature is not valid.",
        "X-Hub-Signature-256 must be sha256=<hex HMAC-SHA256 of the raw body with the app secret of the session the body names>.");

    public string Provider => WhatsAppCloudProvider.ProviderName;

    public string SecretKey => WhatsAppCloudSettings.AppSecret;

    public CallbackAnswers Answers { get; } = new(Refused, Refused, Refused);

    public async Task<IResult> HandshakeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var token = query["hub.verify_token"].ToString();
        var challenge = query["hub.challenge"].ToString();
        if (query["hub.mode"] == "subscribe" && token.Length > 0 && challenge.Length > 0)
        {
            var matched = false;
            foreach (var session in await sessions.AllAsync(cancellationToken))
                matched |= secrets.Find(session, WhatsAppCloudSettings.VerifyToken) is { } expected && CallbackSignatures.SameText(expected, token);
            if (matched)
                return Results.Text(challenge, "text/plain", Encoding.UTF8, StatusCodes.Status200OK);
        }
        LogHandshakeRefused();
        return Problems.Problem(StatusCodes.Status403Forbidden, "The verification request is refused.",
            "hub.mode must be 'subscribe' and hub.verify_token must equal the verifyToken secret of a whatsapp-cloud session.");
    }

    public IReadOnlyList<string> SessionNames(CallbackRequest request) =>
        CallbackJson.Read(request.Body, CloudJson.Default.CloudNotification) is { } notification
            ? notification.Changes().Select(c => c.PhoneNumberId).Distinct().ToList()
            : [];

    public Task<IReadOnlyList<Session>> FindSessionsAsync(string name, CancellationToken cancellationToken) =>
        sessions.FindByPhoneNumberIdAsync(name, cancellationToken);

    public bool Verify(CallbackRequest request, string secret) =>
        request.Http.Headers[SignatureHeader].ToString() is var header && header.StartsWith(SignaturePrefix, StringComparison.Ordinal)
        && CallbackSignatures.HexHmacMatches(HashAlgorithmName.SHA256, secret, request.Body, header[SignaturePrefix.Length..]);

    /// <summary>
    /// The statuses of every change, and the customers' messages of every <c>messages</c> change, each under the phone number
    /// id of its change. A status or message of another shape than documented is skipped (or, a message whose content is
    /// of another shape, recorded as <c>unsupported</c>) without losing the others.
    /// </summary>
    public IReadOnlyList<CallbackReport> Parse(CallbackRequest request, JsonElement body)
    {
        if (CallbackJson.Read(body, CloudJson.Default.CloudNotification) is not { } notification)
            return [];
        var statuses =
            from change in notification.Changes()
            from status in CallbackJson.ReadEach(change.Value.Statuses, CloudJson.Default.CloudStatus)
            select (CallbackReport?)ToReport(change.PhoneNumberId, status);
        var messages =
            from change in notification.MessageChanges()
            let contacts = change.Value.CustomerContacts()
            from message in change.Value.CustomerMessages()
            select (CallbackReport?)ToReport(change.PhoneNumberId, message, contacts);
        return statuses.Concat(messages).OfType<CallbackReport>().ToList();
    }

    /// <summary>
    /// A customer's message as a report, or null (logged) when it has no id or names no sender. The customer (chat and sender)
    /// is the phone number (<c>from</c>, else the sender's <c>contacts[].wa_id</c>) in E.164; when the number is hidden (a user
    /// with a username) the business-scoped user id as given (<c>from_user_id</c>, else <c>contacts[].user_id</c>).
    /// When both came, the sender is the user id and <see cref="InboundReport.SenderPhone"/> the number, which the recorder
    /// shows and remembers for the user id. In a group (<c>group_id</c>) the chat is the group and the sender the participant.
    /// </summary>
    private InboundReport? ToReport(string phoneNumberId, CloudMessage message, IReadOnlyList<CloudContact> contacts)
    {
        if (message.Id is not { Length: > 0 and <= MaxIdLength } id)
        {
            LogMessageSkipped(phoneNumberId, "it has no id of at most 256 characters");
            return null;
        }
        // The contact that sent it: by its number or user id; a message naming neither is the change's only contact's.
        var contact = contacts.FirstOrDefault(c => (message.From is { Length: > 0 } from && c.WaId == from)
                                                   || (message.FromUserId is { Length: > 0 } user && c.UserId == user))
                      ?? (contacts.Count == 1 && message.From is null && message.FromUserId is null ? contacts[0] : null);
        var phone = ChatAddress.FromDigits(message.From ?? "") ?? ChatAddress.FromDigits(contact?.WaId ?? "");
        var userId = Address(message.FromUserId) ?? Address(contact?.UserId);
        // With both, the user id is who wrote and the number what it maps to: the recorder keeps the pair, so a later
        // message with the user id alone (a number hidden since) stays in the same chat.
        if ((phone is not null && userId is not null ? userId : phone ?? userId ?? Address(message.From)) is not { } sender)
        {
            LogMessageSkipped(phoneNumberId, $"message {id} names no sender (from, from_user_id or its contact's wa_id or user_id)");
            return null;
        }
        var content = CloudMessageContent.Read(message);
        if (content.OtherShape)
            LogOtherShape(id, message.Type ?? "(none)");
        return new InboundReport(phoneNumberId, id, UnixTime(message.Timestamp), Address(message.GroupId) ?? sender, sender, content.Type, content.Text)
        {
            Details = content.Details,
            Media = content.Media?.ToJson(),
            QuotedProviderId = CloudMessageContent.Part(message.Context, CloudJson.Default.CloudContext)?.Id is { Length: > 0 and <= MaxIdLength } quoted
                ? quoted
                : null,
            SenderPhone = phone is not null && userId is not null ? phone : null,
        };
    }

    /// <summary>Ids longer than this are not Meta's (a wamid is about 60 characters, a BSUID at most 131).</summary>
    private const int MaxIdLength = 256;

    /// <summary>An id as given, when it is one (not empty, not too long, no control characters).</summary>
    private static string? Address(string? id) => id is { Length: > 0 and <= MaxIdLength } && !id.Any(char.IsControl) ? id : null;

    /// <summary>Meta's time: Unix seconds, as a string (or a number), or null when it is neither.</summary>
    private static DateTimeOffset? UnixTime(JsonElement timestamp)
    {
        var text = timestamp.ValueKind == JsonValueKind.Number ? timestamp.GetRawText() : CallbackJson.Text(timestamp);
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and < 253402300800
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
    }

    /// <summary>One status as a report, or null for a status ChatSend does not track.</summary>
    private static StatusReport? ToReport(string phoneNumberId, CloudStatus status)
    {
        if (status.Id is not { Length: > 0 } id)
            return null;
        MessageStatus? mapped = status.Status switch
        {
            "sent" => MessageStatus.Sent,
            "delivered" => MessageStatus.Delivered,
            "read" => MessageStatus.Read,
            "played" => MessageStatus.Played,
            "failed" => MessageStatus.Failed,
            _ => null,
        };
        if (mapped is not { } reached)
            return null;
        return new StatusReport(phoneNumberId, id, reached, UnixTime(status.Timestamp), reached == MessageStatus.Failed ? FailureReason(status) : null)
        {
            ClosesWindow = reached == MessageStatus.Failed && ErrorCode(status) == WhatsAppCloudErrors.ReEngagement,
            Chat = Address(CallbackJson.Text(status.RecipientId)) is { } recipient ? ChatAddress.FromDigits(recipient) ?? recipient : null,
        };
    }

    private static int? ErrorCode(CloudStatus status) =>
        CallbackJson.ReadEach(status.Errors, CloudJson.Default.CloudError).FirstOrDefault() is { } error
        && error.Code.ValueKind == JsonValueKind.Number && error.Code.TryGetInt32(out var code) ? code : null;

    private static string FailureReason(CloudStatus status)
    {
        if (CallbackJson.ReadEach(status.Errors, CloudJson.Default.CloudError).FirstOrDefault() is not { } error)
            return "WhatsApp reported the message failed";
        int? code = error.Code.ValueKind == JsonValueKind.Number && error.Code.TryGetInt32(out var number) ? number : null;
        var details = error.ErrorData.ValueKind == JsonValueKind.Object && error.ErrorData.TryGetProperty("details", out var d) ? CallbackJson.Text(d) : null;
        var text = string.Join(": ", new[] { CallbackJson.Text(error.Title) ?? CallbackJson.Text(error.Message), details }.Where(t => !string.IsNullOrWhiteSpace(t)));
        if (code is { } t && WhatsAppCloudErrors.TemplateErrors.TryGetValue(t, out var meaning))
            return $"WhatsApp reported the message failed (error {t}): {meaning}{(text.Length > 0 ? " (" + text + ")" : "")}";
        return $"WhatsApp reported the message failed{(code is { } c ? $" (error {c})" : "")}{(text.Length > 0 ? ": " + text : "")}";
    }

    [LoggerMessage(LogLevel.Warning, "WhatsApp Cloud subscription handshake refused: a wrong or missing verify token")]
    private partial void LogHandshakeRefused();

    [LoggerMessage(LogLevel.Warning, "WhatsApp Cloud message for phone number id {PhoneNumberId} skipped: {Why}")]
    private partial void LogMessageSkipped(string phoneNumberId, string why);

    [LoggerMessage(LogLevel.Warning, "WhatsApp Cloud message {ProviderMessageId} of type {Type} is not of the documented shape: recorded as unsupported")]
    private partial void LogOtherShape(string providerMessageId, string type);
}

/// <summary>
/// What a customer's message is, by its Cloud API type (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages):
/// text and captions become the text; <c>audio</c> with <c>voice: true</c> is a voice note (<c>ptt</c>); a tapped reply button,
/// list row or template quick reply is a <c>button</c>; a reaction names the message it is on (emoji <c>""</c> when removed);
/// media carry a <see cref="CloudMediaReference"/>. Any other type is <c>unsupported</c> with its name as the text (for
/// <c>unsupported</c>, what Meta says it was). Content of another shape than documented is <c>unsupported</c> too, flagged
/// <see cref="OtherShape"/>, so the message is still recorded.
/// </summary>
public sealed record CloudMessageContent(MessageType Type, string? Text, MessageDetails? Details = null, CloudMediaReference? Media = null,
    bool OtherShape = false)
{
    public static CloudMessageContent Read(CloudMessage message) => message.Type switch
    {
        "text" => Part(message.Text, CloudJson.Default.CloudText) is { Body: { } body } ? new(MessageType.Text, body) : Other("text"),
        "image" => File(message.Image, MessageType.Image, "image"),
        "video" => File(message.Video, MessageType.Video, "video"),
        "document" => File(message.Document, MessageType.Document, "document"),
        "sticker" => File(message.Sticker, MessageType.Sticker, "sticker"),
        "audio" => Part(message.Audio, CloudJson.Default.CloudMedia) is { Voice: true }
            ? File(message.Audio, MessageType.Ptt, "audio")
            : File(message.Audio, MessageType.Audio, "audio"),
        "location" => Location(message.Location),
        "contacts" => Contacts(message.Contacts),
        "reaction" => Part(message.Reaction, CloudJson.Default.CloudReaction) is { MessageId: { Length: > 0 } on } reaction
            ? new(MessageType.Reaction, null, new MessageDetails { Reaction = new ReactionDetails(reaction.Emoji ?? "", on) })
            : Other("reaction"),
        "interactive" => Interactive(message.Interactive),
        "button" => Part(message.Button, CloudJson.Default.CloudButton) is { } button && (button.Text ?? button.Payload) is { } title
            ? new(MessageType.Button, null, new MessageDetails { Button = new ButtonDetails(null, title, button.Payload) })
            : Other("button"),
        "unsupported" => new(MessageType.Unsupported, Part(message.Unsupported, CloudJson.Default.CloudUnsupported)?.Type is { Length: > 0 } was
            ? was
            : "unsupported"),
        { Length: > 0 } type => new(MessageType.Unsupported, type),
        _ => Other("unknown"),
    };

    /// <summary>A part of a message (its content, its context) as documented, or null when it is missing or of another shape.</summary>
    internal static T? Part<T>(JsonElement part, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class =>
        part.ValueKind == JsonValueKind.Object ? CallbackJson.Read(part, type) : null;

    private static CloudMessageContent Other(string type) => new(MessageType.Unsupported, type, OtherShape: true);

    private static CloudMessageContent File(JsonElement part, MessageType type, string name) =>
        Part(part, CloudJson.Default.CloudMedia) is { Id: { Length: > 0 } id } media
            ? new(type, string.IsNullOrEmpty(media.Caption) ? null : media.Caption, Media: new CloudMediaReference(id, media.MimeType, media.Sha256,
                type == MessageType.Document ? media.FileName : null))
            : Other(name);

    private static CloudMessageContent Location(JsonElement part) =>
        Part(part, CloudJson.Default.CloudLocation) is { } location && Coordinate(location.Latitude, 90) is { } latitude
        && Coordinate(location.Longitude, 180) is { } longitude
            ? new(MessageType.Location, null, new MessageDetails { Location = new LocationDetails(latitude, longitude, location.Name, location.Address) })
            : Other("location");

    /// <summary>A latitude or longitude (a number, or a number as a string) within ±<paramref name="limit"/>.</summary>
    private static double? Coordinate(JsonElement value, double limit)
    {
        var number = double.NaN;
        if (value.ValueKind == JsonValueKind.Number)
            value.TryGetDouble(out number);
        else if (CallbackJson.Text(value) is { } text && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
            number = double.NaN;
        return double.IsFinite(number) && Math.Abs(number) <= limit ? number : null;
    }

    private static CloudMessageContent Contacts(JsonElement part)
    {
        var cards = (part.ValueKind == JsonValueKind.Array ? part.EnumerateArray().ToList() : [])
            .Select(card => CallbackJson.Read(card, CloudJson.Default.CloudSharedContact)).OfType<CloudSharedContact>()
            .Select(card => new ContactDetails(
                card.Name?.FormattedName ?? string.Join(" ", new[] { card.Name?.FirstName, card.Name?.LastName }.Where(n => !string.IsNullOrEmpty(n))),
                CallbackJson.ReadEach(card.Phones, CloudJson.Default.CloudContactPhone)
                    .Select(p => p.Phone ?? (p.WaId is { } waId ? ChatAddress.FromDigits(waId) : null)).OfType<string>().ToList()))
            .ToList();
        return cards.Count > 0 ? new(MessageType.Contacts, null, new MessageDetails { Contacts = cards }) : Other("contacts");
    }

    private static CloudMessageContent Interactive(JsonElement part) =>
        Part(part, CloudJson.Default.CloudInteractive) switch
        {
            { Type: "button_reply", ButtonReply: { Title: { } title } reply } => Tapped(reply.Id, title),
            { Type: "list_reply", ListReply: { Title: { } title } reply } => Tapped(reply.Id, title),
            { Type: "button_reply" or "list_reply" } or null => Other("interactive"),
            { Type: { Length: > 0 } kind } => new(MessageType.Unsupported, "interactive." + kind),
            _ => Other("interactive"),
        };

    private static CloudMessageContent Tapped(string? id, string title) =>
        new(MessageType.Button, null, new MessageDetails { Button = new ButtonDetails(string.IsNullOrEmpty(id) ? null : id, title) });
}
