using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ChatSend.Http;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Providers.Waha;

/// <summary>
/// <c>POST /webhooks/waha/{session}</c>: WAHA's events for one session (https://waha.devlike.pro/docs/how-to/events/).
/// Verified by <c>X-Webhook-Hmac</c>, the hex HMAC-SHA512 of the raw body with the session's <c>webhookHmacKey</c>
/// (<c>X-Webhook-Hmac-Algorithm: sha512</c>). A <c>message.ack</c> of a message the session sent reports its status; a
/// <c>message</c> or <c>message.reaction</c> from a customer is a customer's message (<see cref="WahaInbound"/>); every
/// other event (<c>message.any</c> among them: it repeats <c>message</c> and adds the session's own), and a body that is
/// not JSON, is acknowledged and reports nothing.
/// </summary>
public sealed class WahaCallback(SessionStore sessions) : RouteSessionCallback(sessions)
{
    public const string SignatureHeader = "X-Webhook-Hmac";
    public const string AlgorithmHeader = "X-Webhook-Hmac-Algorithm";

    public override string Provider => WahaProvider.ProviderName;

    public override string SecretKey => WahaSettings.WebhookHmacKey;

    public override CallbackAnswers Answers { get; } = new(
        Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook signature is not valid.",
            $"Sign the raw body with the session's webhookHmacKey: {SignatureHeader} (hex HMAC-SHA512) and {AlgorithmHeader}: sha512."),
        CallbackProblems.TooLarge(),
        TypedResults.Ok());

    public override bool Verify(CallbackRequest request, string secret) =>
        string.Equals(request.Http.Headers[AlgorithmHeader].ToString(), "sha512", StringComparison.OrdinalIgnoreCase)
        && CallbackSignatures.HexHmacMatches(HashAlgorithmName.SHA512, secret, request.Body, request.Http.Headers[SignatureHeader].ToString());

    public override IReadOnlyList<CallbackReport> Parse(CallbackRequest request, JsonElement body)
    {
        if (CallbackJson.Read(body, WahaJson.Default.WahaEvent) is not { Payload.ValueKind: JsonValueKind.Object } envelope)
            return [];
        var session = request.RouteSession!;
        CallbackReport? report = envelope.Event switch
        {
            "message.ack" => Status(envelope.Payload, session),
            "message" => WahaInbound.Message(envelope, session),
            "message.reaction" => WahaInbound.Reaction(envelope, session),
            _ => null,
        };
        return report is null ? [] : [report];
    }

    /// <summary>
    /// A <c>message.ack</c> for a message this session sent, as a status: WAHA's ack levels 1 SERVER → sent, 2 DEVICE →
    /// delivered, 3 READ → read, 4 PLAYED → played, -1 ERROR → failed. PENDING (0) and acks of received messages: nothing.
    /// </summary>
    private static StatusReport? Status(JsonElement payload, string session)
    {
        if (CallbackJson.Read(payload, WahaJson.Default.WahaAck) is not { Id: { Length: > 0 } id, Ack: { } ack } ackPayload
            || ackPayload.FromMe.ValueKind == JsonValueKind.False)
            return null;
        MessageStatus? status = ack switch
        {
            1 => MessageStatus.Sent,
            2 => MessageStatus.Delivered,
            3 => MessageStatus.Read,
            4 => MessageStatus.Played,
            -1 => MessageStatus.Failed,
            _ => null,
        };
        return status is { } reached
            ? new StatusReport(session, id, reached,
                Reason: reached == MessageStatus.Failed ? $"WAHA reported an error delivering the message (ack -1, {CallbackJson.Text(ackPayload.AckName) ?? "ERROR"})" : null)
            {
                Chat = WahaInbound.Jid(ackPayload.To) is { } to ? ChatAddress.FromJid(to) : null,
            }
            : null;
    }
}

/// <summary>
/// A customer's message as WAHA's <c>message</c> and <c>message.reaction</c> events carry it
/// (https://waha.devlike.pro/docs/how-to/receive-messages/), read into an <see cref="InboundReport"/>:
/// <list type="bullet">
/// <item>the session's own messages (<c>fromMe: true</c>), status updates (<c>status@broadcast</c>) and channel posts
/// (<c>@newsletter</c>) are no customer's message and report nothing;</item>
/// <item>chat: the group (<c>from</c> ending <c>@g.us</c>), else the sender; sender: the group's <c>participant</c>, else
/// <c>from</c>; a number as E.164 (<see cref="ChatAddress.FromJid"/>), a LID (<c>…@lid</c>) as given unless WAHA's engine
/// data names its phone number beside it (<see cref="WahaEngineData.SenderAlt"/>) as <see cref="InboundReport.SenderPhone"/>,
/// which the recorder shows and remembers for the LID;</item>
/// <item>the type from what WAHA documents (<c>location</c>, <c>vCards</c>, <c>hasMedia</c> and <c>media.mimetype</c>,
/// <c>body</c>), refined by its engine's raw message (<c>_data</c>, <see cref="WahaEngineData"/>) where only that tells a
/// voice note from an audio file, a sticker from an image, or names a button reply or a type ChatSend does not know;</item>
/// <item><c>replyTo.id</c> is the quoted message; <c>timestamp</c> (seconds) the time it was sent; <c>media</c> becomes the
/// reference <see cref="WahaMediaSource"/> reads (<see cref="WahaMediaReference"/>).</item>
/// </list>
/// Every field but the message's <c>id</c> and <c>from</c> is read as it comes, so one of another shape loses only itself.
/// </summary>
public static partial class WahaInbound
{
    /// <summary>Ids, chats and senders longer than this, or holding control characters, are no WhatsApp id.</summary>
    private const int MaxIdLength = 256;

    public static InboundReport? Message(WahaEvent envelope, string session)
    {
        if (Part(envelope.Payload, WahaJson.Default.WahaMessage) is not { Id: { } id, From: { } from } message
            || message.FromMe.ValueKind == JsonValueKind.True || !IsId(id) || !IsId(from) || !IsCustomer(from))
            return null;
        var engine = WahaEngineData.Of(message.Data);
        if (engine.NotAMessage)
            return null;

        var group = ChatAddress.IsGroup(from);
        var senderJid = group ? Jid(message.Participant) ?? Jid(message.Author) ?? engine.Participant() ?? from : from;
        // A LID stays the sender, with its phone number beside it when the engine names one: the recorder shows the number
        // and remembers it for the LID, so the LID alone later is the same person.
        var phone = senderJid.EndsWith(LidSuffix, StringComparison.Ordinal) ? Phone(engine.SenderAlt(group)) : null;
        var sender = ChatAddress.FromJid(senderJid);
        var content = Content(message, engine);
        return new InboundReport(session, id, Time(message.Timestamp), group ? from : sender, sender, content.Type, content.Text)
        {
            Details = content.Details,
            Media = content.Media,
            QuotedProviderId = Quoted(message.ReplyTo, from, envelope.Me),
            SenderPhone = phone,
        };
    }

    /// <summary>
    /// A <c>message.reaction</c>: <c>reaction.text</c> the emoji (<c>""</c> when it was removed) on <c>reaction.messageId</c>.
    /// The engines put the chat in different fields (WEBJS: <c>to</c> the chat and <c>from</c> the sender; NOWEB: <c>from</c>
    /// the chat and <c>participant</c> the sender), so the group is whichever of the two is one.
    /// </summary>
    public static InboundReport? Reaction(WahaEvent envelope, string session)
    {
        if (Part(envelope.Payload, WahaJson.Default.WahaReactionEvent) is not { Id: { } id } payload
            || payload.FromMe.ValueKind == JsonValueKind.True || !IsId(id)
            || Part(payload.Reaction, WahaJson.Default.WahaReaction) is not { } reaction
            || CallbackJson.Text(reaction.MessageId) is not { Length: > 0 } reactedTo || !IsId(reactedTo))
            return null;
        var from = Jid(payload.From);
        var group = new[] { from, Jid(payload.To) }.FirstOrDefault(j => j is not null && ChatAddress.IsGroup(j));
        var senderJid = Jid(payload.Participant) ?? (from is not null && !ChatAddress.IsGroup(from) ? from : null);
        if (senderJid is null || !IsCustomer(senderJid))
            return null;
        var sender = ChatAddress.FromJid(senderJid);
        return new InboundReport(session, id, Time(payload.Timestamp), group ?? sender, sender, MessageType.Reaction, null)
        {
            Details = new MessageDetails { Reaction = new ReactionDetails(CallbackJson.Text(reaction.Text) ?? "", reactedTo) },
        };
    }

    private const string LidSuffix = "@lid";

    /// <summary>WAHA's file URLs are short (its base URL, the session, the message id); a longer one is not kept.</summary>
    private const int MaxUrlLength = 2048;

    private sealed record Parts(MessageType Type, string? Text, MessageDetails? Details = null, string? Media = null);

    /// <summary>What the message is and holds. Location and contacts never take <c>body</c> (WEBJS puts a thumbnail or the vCard there).</summary>
    private static Parts Content(WahaMessage message, WahaEngineData engine)
    {
        var body = CallbackJson.Text(message.Body);
        if ((Location(message.Location) ?? engine.Location()) is { } location)
            return new(MessageType.Location, null, new MessageDetails { Location = location });
        if ((Contacts(message.VCards) is { Count: > 0 } listed ? listed : engine.Contacts()) is { Count: > 0 } contacts)
            return new(MessageType.Contacts, null, new MessageDetails { Contacts = contacts });
        switch (engine.Type)
        {
            case MessageType.Location or MessageType.Contacts:
                return Unsupported(engine.Name); // no coordinates, no card: nothing to show of it
            case MessageType.Button:
                var button = engine.Button(body);
                return new(MessageType.Button, button.Title, new MessageDetails { Button = button });
            case MessageType.Text:
                return new(MessageType.Text, body ?? "");
            case MessageType.Unsupported:
                return Unsupported(engine.Name);
            case { } type when type.HasMedia():
                return new(type, Caption(body), Media: Media(message));
            case null when message.HasMedia.ValueKind == JsonValueKind.True || message.Media.ValueKind == JsonValueKind.Object:
                return new(ByMimeType(Part(message.Media, WahaJson.Default.WahaMedia)?.Mimetype ?? default), Caption(body), Media: Media(message));
            case null when body is not null:
                return new(MessageType.Text, body);
            default:
                return Unsupported(engine.Name);
        }
    }

    private static Parts Unsupported(string? name) => new(MessageType.Unsupported, name ?? "unknown");

    private static string? Caption(string? body) => body is { Length: > 0 } ? body : null;

    /// <summary>
    /// Without the engine's word for it: WhatsApp's voice notes are Ogg Opus and its stickers WebP, so those two MIME types
    /// name them; any other image, video or audio is one; the rest is a document.
    /// </summary>
    private static MessageType ByMimeType(JsonElement mimetype) =>
        (CallbackJson.Text(mimetype) ?? "").Split(';')[0].Trim().ToLowerInvariant() switch
        {
            "audio/ogg" => MessageType.Ptt,
            "image/webp" => MessageType.Sticker,
            var m when m.StartsWith("image/", StringComparison.Ordinal) => MessageType.Image,
            var m when m.StartsWith("video/", StringComparison.Ordinal) => MessageType.Video,
            var m when m.StartsWith("audio/", StringComparison.Ordinal) => MessageType.Audio,
            _ => MessageType.Document,
        };

    /// <summary>
    /// The reference to the file: WAHA's <c>media.url</c> with its MIME type and file name, or what went wrong when WAHA has
    /// no file (<c>media.error</c>; <c>hasMedia</c> without <c>media</c>: WAHA was told not to download it).
    /// </summary>
    private static string Media(WahaMessage message)
    {
        var media = Part(message.Media, WahaJson.Default.WahaMedia);
        var url = media is null ? null : CallbackJson.Text(media.Url);
        if (url is { Length: > 0 and <= MaxUrlLength })
            return new WahaMediaReference(url, Shorten(CallbackJson.Text(media!.Mimetype)), Shorten(CallbackJson.Text(media.Filename))).ToJson();
        string error;
        if (url is { Length: > MaxUrlLength })
            error = $"WAHA's media.url is longer than {MaxUrlLength} characters";
        else if (media is null || media.Error.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            error = "WAHA did not download the file (its WHATSAPP_DOWNLOAD_MEDIA or WHATSAPP_FILES_MIMETYPES setting)";
        else
            // WAHA's words, without the numbers in them (its errors name the message, whose id holds the chat's number).
            error = "WAHA could not download the file: "
                + Digits().Replace(Shorten(media.Error.ValueKind == JsonValueKind.String ? media.Error.GetString() : media.Error.GetRawText()) ?? "", "…");
        return new WahaMediaReference(null, null, null, error).ToJson();
    }

    /// <summary>WAHA's <c>location</c>: <c>latitude</c> and <c>longitude</c> (strings, or numbers), and <c>description</c> (WEBJS: the name, a line break, the address).</summary>
    private static LocationDetails? Location(JsonElement element)
    {
        if (Part(element, WahaJson.Default.WahaLocation) is not { } location
            || Number(location.Latitude) is not { } latitude || Number(location.Longitude) is not { } longitude)
            return null;
        var lines = (CallbackJson.Text(location.Description) ?? "").Split('\n', 2, StringSplitOptions.TrimEntries);
        return Coordinates(latitude, longitude,
            CallbackJson.Text(location.Name) ?? (lines[0] is { Length: > 0 } first ? first : null),
            CallbackJson.Text(location.Address) ?? (lines.Length > 1 && lines[1].Length > 0 ? lines[1] : null));
    }

    internal static LocationDetails? Coordinates(double latitude, double longitude, string? name, string? address) =>
        latitude is >= -90 and <= 90 && longitude is >= -180 and <= 180
            ? new LocationDetails(latitude, longitude, Shorten(name), Shorten(address))
            : null;

    /// <summary>WAHA's <c>vCards</c>: a list of vCard texts (some versions send it as an object keyed "0", "1", …).</summary>
    private static List<ContactDetails> Contacts(JsonElement vCards)
    {
        var texts = vCards.ValueKind switch
        {
            JsonValueKind.Array => vCards.EnumerateArray().ToList(),
            JsonValueKind.Object => vCards.EnumerateObject().Select(p => p.Value).ToList(),
            _ => [],
        };
        return texts.Select(CallbackJson.Text).OfType<string>().SelectMany(VCard.Parse).Take(VCard.MaxContacts).ToList();
    }

    /// <summary>
    /// The quoted message's id. WAHA's engines give it whole (<c>false_&lt;chat&gt;_&lt;id&gt;</c>) or as WhatsApp's short id
    /// alone (WEBJS, older NOWEB), which ChatSend never saw; a short id is made whole from the chat and whether its
    /// <c>participant</c> is the session itself (the envelope's <c>me</c>), as WAHA's own ids are built.
    /// </summary>
    private static string? Quoted(JsonElement replyTo, string chat, JsonElement me)
    {
        if (Part(replyTo, WahaJson.Default.WahaReplyTo) is not { } quoted || Jid(quoted.Id) is not { } id || !IsId(id))
            return null;
        if (id.Contains('_') || Jid(quoted.Participant) is not { } author)
            return id;
        var self = Part(me, WahaJson.Default.WahaMe);
        var mine = new[] { Jid(self?.Id ?? default), Jid(self?.Lid ?? default) }.OfType<string>().Select(ChatAddress.FromJid);
        return $"{(mine.Contains(ChatAddress.FromJid(author)) ? "true" : "false")}_{chat}_{id}";
    }

    /// <summary>WAHA's <c>timestamp</c>: Unix seconds, some engines with a fraction (a number in milliseconds is read as such).</summary>
    private static DateTimeOffset? Time(JsonElement timestamp)
    {
        if (Number(timestamp) is not { } value || value <= 0)
            return null;
        var milliseconds = value > 100_000_000_000 ? value : value * 1000;
        return milliseconds < 253_402_300_799_000 ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(milliseconds)) : null;
    }

    internal static double? Number(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetDouble(out var n) && double.IsFinite(n) => n,
        JsonValueKind.String when double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) => n,
        _ => null,
    };

    /// <summary>A WhatsApp id as WAHA gives it: a string, or WEBJS's id object with <c>_serialized</c>.</summary>
    internal static string? Jid(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("_serialized", out var serialized)
            ? Jid(serialized)
            : CallbackJson.Text(element) is { Length: > 0 } text && IsId(text) ? text : null;

    /// <summary>A phone number JID's E.164 number; null for a LID, a group or anything else.</summary>
    internal static string? Phone(string? jid) => jid is not null && ChatAddress.FromJid(jid) is ['+', ..] phone ? phone : null;

    private static bool IsId(string value) => value.Length is > 0 and <= MaxIdLength && !value.Any(char.IsControl);

    /// <summary>Status updates and channel posts come as messages too; neither is a customer writing to the session.</summary>
    private static bool IsCustomer(string jid) =>
        !jid.EndsWith("@broadcast", StringComparison.Ordinal) && !jid.EndsWith("@newsletter", StringComparison.Ordinal);

    /// <summary>An object of the payload as its typed record; null for an absent field, or one of another shape.</summary>
    private static T? Part<T>(JsonElement element, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class =>
        element.ValueKind == JsonValueKind.Object ? CallbackJson.Read(element, type) : null;

    [GeneratedRegex(@"\d{6,}")]
    private static partial Regex Digits();

    internal static string? Shorten(string? text) => text is { Length: > 300 } ? text[..300] + "…" : text;
}

/// <summary>
/// The engine's raw message WAHA passes along as <c>_data</c> ("may be changed anytime", WAHA says, so only read where
/// the documented fields cannot tell, and every field as it comes): WEBJS's message model (<c>type</c>: <c>chat</c>,
/// <c>ptt</c>, <c>sticker</c>, <c>buttons_response</c>, …), or NOWEB's Baileys message (<c>key</c>, <c>message</c>) or
/// GOWS's whatsmeow event (<c>Info</c>, <c>Message</c>), whose content is named by its one key (<c>imageMessage</c>,
/// <c>audioMessage</c> with <c>ptt</c>, <c>locationMessage</c>, …).
/// </summary>
public sealed class WahaEngineData
{
    private readonly JsonElement _data;
    private readonly JsonElement _content;

    private WahaEngineData(JsonElement data, string? name, JsonElement content, MessageType? type, bool notAMessage)
    {
        _data = data;
        Name = name;
        _content = content;
        Type = type;
        NotAMessage = notAMessage;
    }

    /// <summary>The engine's name for the type (shown as the content of an <c>unsupported</c> message), when it has one.</summary>
    public string? Name { get; }

    /// <summary>The type the engine says, or null when its data says nothing ChatSend reads.</summary>
    public MessageType? Type { get; }

    /// <summary>
    /// A reaction, an edit or revocation, a poll vote, a system notice, or a message WhatsApp could not yet decrypt (it
    /// comes again, with the same id, once it can): not a message of its own.
    /// </summary>
    public bool NotAMessage { get; }

    public static WahaEngineData Of(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
            return new(data, null, default, null, false);
        if (CallbackJson.Text(Get(data, "type")) is { Length: > 0 } webjs)
            return new(data, webjs, data, WebjsType(webjs), WebjsNotMessages.Contains(webjs));
        var message = Get(data, "message") is { ValueKind: JsonValueKind.Object } noweb ? noweb : Get(data, "Message");
        if (Unwrap(message) is not { } found)
            return new(data, null, default, null, false);
        var (key, content) = found;
        return new(data, key, content, ContentType(key, content), ContentNotMessages.Contains(key));
    }

    private static readonly HashSet<string> WebjsNotMessages =
        ["reaction", "protocol", "revoked", "ciphertext", "e2e_notification", "notification", "notification_template", "gp2",
            "broadcast_notification", "call_log", "poll_update"];

    private static MessageType WebjsType(string type) => type switch
    {
        "chat" => MessageType.Text,
        "image" => MessageType.Image,
        "video" => MessageType.Video,
        "document" => MessageType.Document,
        "audio" => MessageType.Audio,
        "ptt" => MessageType.Ptt,
        "sticker" => MessageType.Sticker,
        "location" => MessageType.Location,
        "vcard" or "multi_vcard" => MessageType.Contacts,
        "buttons_response" or "list_response" or "template_button_reply" => MessageType.Button,
        _ => MessageType.Unsupported,
    };

    private static readonly HashSet<string> ContentNotMessages =
        ["reactionMessage", "encReactionMessage", "protocolMessage", "pollUpdateMessage"];

    /// <summary>Keys that travel beside the content, not content themselves.</summary>
    private static readonly HashSet<string> Beside = ["messageContextInfo", "senderKeyDistributionMessage"];

    /// <summary>Keys whose <c>message</c> holds the real content (disappearing, view-once, a captioned document).</summary>
    private static readonly HashSet<string> Wrappers =
        ["ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2", "viewOnceMessageV2Extension", "documentWithCaptionMessage"];

    private static (string Key, JsonElement Content)? Unwrap(JsonElement message)
    {
        for (var depth = 0; depth < 4 && message.ValueKind == JsonValueKind.Object; depth++)
        {
            var content = message.EnumerateObject().FirstOrDefault(p => !Beside.Contains(p.Name) && p.Value.ValueKind is not JsonValueKind.Null);
            if (content.Name is null)
                return null;
            if (!Wrappers.Contains(content.Name))
                return (content.Name, content.Value);
            message = Get(content.Value, "message");
        }
        return null;
    }

    private static MessageType ContentType(string key, JsonElement content) => key switch
    {
        "conversation" or "extendedTextMessage" => MessageType.Text,
        "imageMessage" => MessageType.Image,
        "videoMessage" or "ptvMessage" => MessageType.Video,
        "audioMessage" => Get(content, "ptt").ValueKind == JsonValueKind.True ? MessageType.Ptt : MessageType.Audio,
        "documentMessage" => MessageType.Document,
        "stickerMessage" => MessageType.Sticker,
        "locationMessage" or "liveLocationMessage" => MessageType.Location,
        "contactMessage" or "contactsArrayMessage" => MessageType.Contacts,
        "buttonsResponseMessage" or "listResponseMessage" or "templateButtonReplyMessage" or "interactiveResponseMessage" => MessageType.Button,
        _ => MessageType.Unsupported,
    };

    /// <summary>
    /// The phone number JID the engine gives beside a LID sender: NOWEB's Baileys key (<c>remoteJidAlt</c>, older
    /// <c>senderPn</c>; in a group <c>participantAlt</c>, older <c>participantPn</c>), GOWS's whatsmeow <c>Info.SenderAlt</c>.
    /// WEBJS gives none.
    /// </summary>
    public string? SenderAlt(bool group)
    {
        var key = Get(_data, "key");
        return (group ? new[] { Get(key, "participantAlt"), Get(key, "participantPn") } : [Get(key, "remoteJidAlt"), Get(key, "senderPn")])
            .Append(Get(Get(_data, "Info"), "SenderAlt"))
            .Select(CallbackJson.Text).FirstOrDefault(j => WahaInbound.Phone(j) is not null);
    }

    /// <summary>A group message's sender as the engine has it: WEBJS's <c>author</c>, NOWEB's <c>key.participant</c>, GOWS's <c>Info.Sender</c>.</summary>
    public string? Participant() =>
        new[] { Get(_data, "author"), Get(Get(_data, "key"), "participant"), Get(Get(_data, "Info"), "Sender") }
            .Select(WahaInbound.Jid).FirstOrDefault(j => j is not null);

    /// <summary>NOWEB's and GOWS's <c>locationMessage</c>: <c>degreesLatitude</c>, <c>degreesLongitude</c>, <c>name</c>, <c>address</c>.</summary>
    public LocationDetails? Location() =>
        Type == MessageType.Location && WahaInbound.Number(Get(_content, "degreesLatitude")) is { } latitude
        && WahaInbound.Number(Get(_content, "degreesLongitude")) is { } longitude
            ? WahaInbound.Coordinates(latitude, longitude, CallbackJson.Text(Get(_content, "name")), CallbackJson.Text(Get(_content, "address")))
            : null;

    /// <summary>NOWEB's and GOWS's <c>contactMessage.vcard</c> or <c>contactsArrayMessage.contacts[].vcard</c>.</summary>
    public List<ContactDetails> Contacts()
    {
        if (Type != MessageType.Contacts)
            return [];
        var cards = Get(_content, "contacts") is { ValueKind: JsonValueKind.Array } many ? many.EnumerateArray().ToList() : [_content];
        return cards.Select(c => CallbackJson.Text(Get(c, "vcard"))).OfType<string>().SelectMany(VCard.Parse).Take(VCard.MaxContacts).ToList();
    }

    /// <summary>
    /// A tapped button or list row: WEBJS's <c>selectedButtonId</c> or <c>listResponse</c>; NOWEB's and GOWS's
    /// <c>buttonsResponseMessage</c>, <c>listResponseMessage</c>, <c>templateButtonReplyMessage</c>. The title falls back
    /// on <c>body</c>, WAHA's text of it.
    /// </summary>
    public ButtonDetails Button(string? body)
    {
        var list = Get(_content, "listResponse") is { ValueKind: JsonValueKind.Object } webjsList ? webjsList : _content;
        var id = new[]
        {
            Get(_content, "selectedButtonId"), Get(_content, "selectedId"), Get(Get(list, "singleSelectReply"), "selectedRowId"),
        }.Select(CallbackJson.Text).FirstOrDefault(t => t is { Length: > 0 });
        var title = new[] { Get(_content, "selectedDisplayText"), Get(list, "title"), Get(Get(_content, "body"), "text") }
            .Select(CallbackJson.Text).FirstOrDefault(t => t is { Length: > 0 }) ?? body ?? "";
        return new ButtonDetails(WahaInbound.Shorten(id), WahaInbound.Shorten(title)!);
    }

    private static JsonElement Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;
}

/// <summary>The contacts of a vCard text (RFC 6350, and the 3.0 WhatsApp writes): each card's <c>FN</c> (else <c>N</c>) and <c>TEL</c>s.</summary>
public static class VCard
{
    public const int MaxContacts = 20;
    private const int MaxPhones = 10;

    public static IEnumerable<ContactDetails> Parse(string text)
    {
        // Unfold: a line that starts with a space or tab continues the one before.
        var lines = text.Replace("\r\n", "\n").Replace("\n ", "").Replace("\n\t", "").Split('\n');
        string? name = null, structured = null;
        List<string>? phones = null;
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            var head = line[..colon].Split(';');
            var property = head[0].Split('.')[^1].ToUpperInvariant(); // "item1.TEL" is a TEL
            var raw = line[(colon + 1)..].Trim();
            var value = Unescape(raw);
            switch (property)
            {
                case "BEGIN":
                    (name, structured, phones) = (null, null, new List<string>());
                    break;
                case "FN" when phones is not null:
                    name = value;
                    break;
                case "N" when phones is not null:
                    // Family;Given;Additional;Prefix;Suffix → "Given Family"
                    structured = string.Join(' ', raw.Split(';').Take(2).Reverse().Select(Unescape).Where(p => p.Length > 0));
                    break;
                case "TEL" when phones is not null && phones.Count < MaxPhones:
                    // WhatsApp writes TEL;type=CELL;waid=14155550123:+1 415-555-0123; the shown number first, else the waid.
                    var waid = head.Skip(1).Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Equals("waid", StringComparison.OrdinalIgnoreCase))?[1];
                    if ((value.Length > 0 ? value : waid is not null ? "+" + waid : null) is { } phone)
                        phones.Add(WahaInbound.Shorten(phone)!);
                    break;
                case "END" when phones is not null:
                    yield return new ContactDetails(WahaInbound.Shorten(name is { Length: > 0 } ? name : structured) ?? "", phones);
                    (name, structured, phones) = (null, null, null);
                    break;
            }
        }
    }

    private static string Unescape(string value) =>
        value.Replace("\\n", "\n").Replace("\\N", "\n").Replace("\\,", ",").Replace("\\;", ";").Replace("\\\\", "\\");
}

/// <summary>
/// What ChatSend keeps of a WAHA file to fetch it later (<see cref="InboundReport.Media"/>, read by <see cref="WahaMediaSource"/>):
/// <c>{"url": media.url, "mimetype": …, "filename": …}</c>, or <c>{"error": …}</c> when WAHA has no file to give.
/// </summary>
public sealed record WahaMediaReference(
    [property: JsonPropertyName("url")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    [property: JsonPropertyName("mimetype")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Mimetype,
    [property: JsonPropertyName("filename")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Filename,
    [property: JsonPropertyName("error")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, WahaJson.Default.WahaMediaReference);

    /// <summary>The reference, or null when it is not one ChatSend wrote.</summary>
    public static WahaMediaReference? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, WahaJson.Default.WahaMediaReference);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// WAHA's event envelope (https://waha.devlike.pro/docs/how-to/events/#event-payload), as far as ChatSend reads it: the
/// payload's shape depends on the event; <c>me</c> is the session's own account (<c>id</c>, <c>lid</c>).
/// </summary>
public sealed record WahaEvent(
    [property: JsonPropertyName("event")] string? Event,
    [property: JsonPropertyName("payload")] JsonElement Payload,
    [property: JsonPropertyName("me")] JsonElement Me = default);

public sealed record WahaMe(
    [property: JsonPropertyName("id")] JsonElement Id,
    [property: JsonPropertyName("lid")] JsonElement Lid);

/// <summary>
/// The payload of <c>message.ack</c>: the message's id (<c>true_&lt;chat&gt;_&lt;id&gt;</c>), whose it is, the ack level, and
/// the chat it went to (<c>to</c>, read as it comes).
/// </summary>
public sealed record WahaAck(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("fromMe")] JsonElement FromMe,
    [property: JsonPropertyName("ack")] int? Ack,
    [property: JsonPropertyName("ackName")] JsonElement AckName,
    [property: JsonPropertyName("to")] JsonElement To = default);

/// <summary>
/// The payload of <c>message</c> (WAHA's <c>WAMessage</c>, https://waha.devlike.pro/docs/how-to/receive-messages/#message):
/// the id (<c>false_&lt;chat&gt;_&lt;id&gt;</c>) and <c>from</c> as strings, everything else as it comes.
/// </summary>
public sealed record WahaMessage(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("timestamp")] JsonElement Timestamp,
    [property: JsonPropertyName("from")] string? From,
    [property: JsonPropertyName("fromMe")] JsonElement FromMe,
    [property: JsonPropertyName("participant")] JsonElement Participant,
    [property: JsonPropertyName("author")] JsonElement Author,
    [property: JsonPropertyName("body")] JsonElement Body,
    [property: JsonPropertyName("hasMedia")] JsonElement HasMedia,
    [property: JsonPropertyName("media")] JsonElement Media,
    [property: JsonPropertyName("location")] JsonElement Location,
    [property: JsonPropertyName("vCards")] JsonElement VCards,
    [property: JsonPropertyName("replyTo")] JsonElement ReplyTo,
    [property: JsonPropertyName("_data")] JsonElement Data);

/// <summary>WAHA's <c>media</c>: where it keeps the file it downloaded, or why it could not.</summary>
public sealed record WahaMedia(
    [property: JsonPropertyName("url")] JsonElement Url,
    [property: JsonPropertyName("mimetype")] JsonElement Mimetype,
    [property: JsonPropertyName("filename")] JsonElement Filename,
    [property: JsonPropertyName("error")] JsonElement Error);

public sealed record WahaLocation(
    [property: JsonPropertyName("latitude")] JsonElement Latitude,
    [property: JsonPropertyName("longitude")] JsonElement Longitude,
    [property: JsonPropertyName("description")] JsonElement Description,
    [property: JsonPropertyName("name")] JsonElement Name,
    [property: JsonPropertyName("address")] JsonElement Address);

public sealed record WahaReplyTo(
    [property: JsonPropertyName("id")] JsonElement Id,
    [property: JsonPropertyName("participant")] JsonElement Participant);

/// <summary>The payload of <c>message.reaction</c> (https://waha.devlike.pro/docs/how-to/receive-messages/#messagereaction).</summary>
public sealed record WahaReactionEvent(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("timestamp")] JsonElement Timestamp,
    [property: JsonPropertyName("from")] JsonElement From,
    [property: JsonPropertyName("to")] JsonElement To,
    [property: JsonPropertyName("participant")] JsonElement Participant,
    [property: JsonPropertyName("fromMe")] JsonElement FromMe,
    [property: JsonPropertyName("reaction")] JsonElement Reaction);

public sealed record WahaReaction(
    [property: JsonPropertyName("text")] JsonElement Text,
    [property: JsonPropertyName("messageId")] JsonElement MessageId);

[JsonSerializable(typeof(WahaEvent))]
[JsonSerializable(typeof(WahaMe))]
[JsonSerializable(typeof(WahaAck))]
[JsonSerializable(typeof(WahaMessage))]
[JsonSerializable(typeof(WahaMedia))]
[JsonSerializable(typeof(WahaLocation))]
[JsonSerializable(typeof(WahaReplyTo))]
[JsonSerializable(typeof(WahaReactionEvent))]
[JsonSerializable(typeof(WahaReaction))]
[JsonSerializable(typeof(WahaMediaReference))]
internal sealed partial class WahaJson : JsonSerializerContext;
