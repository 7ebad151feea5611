using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ChatSend.Http;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Providers.Evolution;

/// <summary>
/// <c>POST /webhooks/evolution/{session}</c>: the instance's webhook (https://doc.evolution-api.com/v2/en/configuration/webhooks).
/// Verified by the session's <c>webhookToken</c>, given as <c>?token=</c> in the webhook URL or in the
/// <c>X-Webhook-Token</c> header (Evolution can add headers to its webhook). <c>messages.update</c> statuses of messages
/// sent from the instance are reported (SERVER_ACK → sent, DELIVERY_ACK → delivered, READ → read, PLAYED → played,
/// ERROR → failed); <c>messages.upsert</c> entries with <c>key.fromMe: false</c> are customers' messages
/// (<see cref="EvolutionInbound"/>). Every other event, and the instance's own messages echoed by <c>messages.upsert</c>,
/// is acknowledged and reports nothing. A body that is not JSON is 400.
/// </summary>
public sealed class EvolutionCallback(SessionStore sessions) : RouteSessionCallback(sessions)
{
    public const string TokenQuery = "token";
    public const string TokenHeader = "X-Webhook-Token";

    public override string Provider => EvolutionProvider.ProviderName;

    public override string SecretKey => EvolutionSettings.WebhookToken;

    public override CallbackAnswers Answers { get; } = new(
        Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook token is not valid.",
            $"Put the session's webhookToken in the webhook URL (?{TokenQuery}=…) or the {TokenHeader} header."),
        CallbackProblems.TooLarge(),
        CallbackProblems.NotJson());

    public override bool Verify(CallbackRequest request, string secret) =>
        (request.Http.Query[TokenQuery].FirstOrDefault() is { Length: > 0 } query ? query : request.Http.Headers[TokenHeader].FirstOrDefault())
        is { } given && CallbackSignatures.SameText(given, secret);

    /// <summary>
    /// The statuses of a <c>messages.update</c> event, or the customers' messages of a <c>messages.upsert</c> event (the
    /// event named as webhook.controller.ts writes it, or in its upper-case form); <c>data</c> is one entry or a list of
    /// them, each read on its own.
    /// </summary>
    public override IReadOnlyList<CallbackReport> Parse(CallbackRequest request, JsonElement body)
    {
        if (CallbackJson.Read(body, EvolutionJson.Default.EvolutionEvent) is not { } envelope)
            return [];
        var entries = envelope.Data.ValueKind switch
        {
            JsonValueKind.Array => envelope.Data.EnumerateArray().ToList(),
            JsonValueKind.Object => [envelope.Data],
            _ => [],
        };
        var session = request.RouteSession!;
        return envelope.Event?.Replace('_', '.').ToLowerInvariant() switch
        {
            "messages.update" => entries.Select(e => Status(session, e)).OfType<CallbackReport>().ToList(),
            "messages.upsert" => entries.Select(e => EvolutionInbound.Read(session, e)).OfType<CallbackReport>().ToList(),
            _ => [],
        };
    }

    /// <summary>A <c>messages.update</c> entry's status, or null for one ChatSend does not track.</summary>
    private static StatusReport? Status(string session, JsonElement element)
    {
        if (CallbackJson.Read(element, EvolutionJson.Default.EvolutionMessageUpdate) is not { KeyId: { Length: > 0 } keyId } update
            || update.FromMe.ValueKind == JsonValueKind.False)
            return null;
        MessageStatus? status = update.Status switch
        {
            "SERVER_ACK" => MessageStatus.Sent,
            "DELIVERY_ACK" => MessageStatus.Delivered,
            "READ" => MessageStatus.Read,
            "PLAYED" => MessageStatus.Played,
            "ERROR" => MessageStatus.Failed,
            _ => null, // PENDING, DELETED: nothing to report
        };
        return status is { } reached
            ? new StatusReport(session, keyId, reached,
                Reason: reached == MessageStatus.Failed ? "Evolution API reported the message as ERROR (WhatsApp did not accept it)" : null)
            {
                Chat = CallbackJson.Text(update.RemoteJid) is { Length: > 0 and <= 256 } jid && !jid.Any(char.IsControl) ? ChatAddress.FromJid(jid) : null,
            }
            : null;
    }
}

/// <summary>
/// A customer's message in a <c>messages.upsert</c> entry, as Evolution API v2 writes it (whatsapp.baileys.service.ts: the
/// <c>messages.upsert</c> handler sends <c>prepareMessage</c>'s result, one entry per message):
/// <c>{key: {id, remoteJid, fromMe, participant?, remoteJidAlt?, participantAlt?, addressingMode?}, pushName, message,
/// contextInfo, messageType, messageTimestamp, …}</c>. <c>message</c> is Baileys' proto message, one content property
/// (<c>conversation</c>, <c>imageMessage</c>, …) beside <c>messageContextInfo</c>; prepareMessage rewrites an
/// <c>extendedTextMessage</c> to <c>conversation</c> and a <c>documentWithCaptionMessage</c> to <c>documentMessage</c>, and
/// lifts the content's <c>contextInfo</c> (its <c>stanzaId</c>: the quoted message) to the entry.
/// <list type="bullet">
/// <item>Chat: a group JID as it is, else the customer; sender: the group's participant, else the customer. Someone
/// addressed by a LID (<c>…@lid</c>) is shown by their phone number when the entry carries it beside the LID
/// (<c>remoteJidAlt</c>/<c>participantAlt</c> since Evolution 2.3.5 and Baileys 7; <c>senderPn</c>/<c>participantPn</c>
/// before), else by the LID as given.</item>
/// <item>Entries the instance sent (<c>fromMe</c> anything but JSON false), WhatsApp statuses (<c>status@broadcast</c>),
/// channel posts (<c>@newsletter</c>) and entries whose key is no WhatsApp key (no id or chat, or absurdly long ones) are
/// not customers' messages.</item>
/// <item>A content ChatSend has no type for, or a known one of another shape than documented, is kept as
/// <c>unsupported</c> with Evolution's <c>messageType</c>: a customer's message is never dropped for its content.</item>
/// </list>
/// </summary>
public static class EvolutionInbound
{
    /// <summary>Containers Baileys wraps a content in (wa.types.ts <c>MessageSubtype</c>, and the later view-once form).</summary>
    private static readonly string[] Wrappers =
        ["ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2", "viewOnceMessageV2Extension", "documentWithCaptionMessage"];

    /// <summary>The contents read below; any other property of a message is not its content (or one without a type here).</summary>
    private static readonly HashSet<string> Known =
    [
        "conversation", "extendedTextMessage", "imageMessage", "videoMessage", "ptvMessage", "documentMessage", "audioMessage",
        "stickerMessage", "locationMessage", "liveLocationMessage", "contactMessage", "contactsArrayMessage", "reactionMessage",
        "buttonsResponseMessage", "templateButtonReplyMessage", "listResponseMessage", "interactiveResponseMessage",
    ];

    /// <summary>The customer's message of one entry, or null when the entry is not one.</summary>
    public static InboundReport? Read(string session, JsonElement element)
    {
        if (CallbackJson.Read(element, EvolutionJson.Default.EvolutionUpsert) is not { Key: { } key } upsert
            || Id(key.Id) is not { } id || Id(key.RemoteJid) is not { } remoteJid
            || key.FromMe.ValueKind != JsonValueKind.False
            || remoteJid == "status@broadcast" || remoteJid.EndsWith("@newsletter", StringComparison.Ordinal))
            return null;

        var group = ChatAddress.IsGroup(remoteJid);
        var (customer, customerPhone) = Person(remoteJid, key.RemoteJidAlt, key.SenderPn);
        var participant = Id(CallbackJson.Text(key.Participant));
        var (sender, senderPhone) = !group ? (customer, customerPhone)
            : participant is not null ? Person(participant, key.ParticipantAlt, key.ParticipantPn)
            : (remoteJid, null);

        var message = Unwrapped(upsert.Message);
        var content = Parse(message, id, remoteJid, participant)
            ?? new Parsed(MessageType.Unsupported, CallbackJson.Text(upsert.MessageType) is { Length: > 0 } evolutionType
                ? evolutionType
                : FirstContentName(message) ?? "unknown");
        return new InboundReport(session, id, Timestamp(upsert.MessageTimestamp), group ? remoteJid : customer, sender, content.Type, content.Text)
        {
            Details = content.Details,
            Media = content.Media,
            QuotedProviderId = StanzaId(upsert.ContextInfo) ?? content.Quoted,
            SenderPhone = senderPhone,
        };
    }

    /// <summary>Ids longer than this are not WhatsApp's (a message key id is 20 to 32 characters, a JID about 30).</summary>
    private const int MaxIdLength = 256;

    /// <summary>An id or JID as given, when it is one: not empty, not too long, no control characters.</summary>
    private static string? Id(string? value) => value is { Length: > 0 and <= MaxIdLength } && !value.Any(char.IsControl) ? value : null;

    /// <summary>
    /// Someone's address: their phone number in E.164 when the JID is one; else the JID as given (a LID), with the phone
    /// number of an alternative JID of the entry beside it when there is one, which the recorder shows and remembers.
    /// </summary>
    private static (string Address, string? Phone) Person(string jid, params JsonElement[] alternatives)
    {
        var address = ChatAddress.FromJid(jid);
        if (address.StartsWith('+'))
            return (address, null);
        foreach (var alternative in alternatives)
            if (Id(CallbackJson.Text(alternative)) is { } other && ChatAddress.FromJid(other) is ['+', ..] phone)
                return (address, phone);
        return (address, null);
    }

    private static JsonElement Unwrapped(JsonElement message)
    {
        for (var depth = 0; depth < 4 && message.ValueKind == JsonValueKind.Object; depth++)
        {
            var inner = Wrappers
                .Select(w => message.TryGetProperty(w, out var wrapper) && wrapper.ValueKind == JsonValueKind.Object
                             && wrapper.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object ? m : (JsonElement?)null)
                .FirstOrDefault(m => m is not null);
            if (inner is not { } unwrapped)
                break;
            message = unwrapped;
        }
        return message;
    }

    /// <summary>What a content says: ChatSend's type, the text or caption, its details, its file and the message it quotes.</summary>
    private sealed record Parsed(MessageType Type, string? Text, MessageDetails? Details = null, string? Media = null, string? Quoted = null);

    /// <summary>The message's content, when it is one ChatSend has a type for and of the documented shape; else null.</summary>
    private static Parsed? Parse(JsonElement message, string id, string remoteJid, string? participant)
    {
        if (message.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var property in message.EnumerateObject())
        {
            var value = property.Value;
            Parsed? content = property.Name switch
            {
                "conversation" => CallbackJson.Text(value) is { } text ? new(MessageType.Text, text) : null,
                "extendedTextMessage" => ReadObject(value, EvolutionJson.Default.EvolutionExtendedText) is { } extended
                                         && CallbackJson.Text(extended.Text) is { } text
                    ? new(MessageType.Text, text, Quoted: StanzaId(extended.ContextInfo))
                    : null,
                "imageMessage" => Media(MessageType.Image, value),
                "videoMessage" or "ptvMessage" => Media(MessageType.Video, value),
                "documentMessage" => Media(MessageType.Document, value),
                "audioMessage" => Media(MessageType.Audio, value),
                "stickerMessage" => Media(MessageType.Sticker, value),
                "locationMessage" or "liveLocationMessage" => Location(value),
                "contactMessage" => ReadObject(value, EvolutionJson.Default.EvolutionContact) is { } contact && VCards.Read(contact) is { } one
                    ? new(MessageType.Contacts, null, new MessageDetails { Contacts = [one] })
                    : null,
                "contactsArrayMessage" => ReadObject(value, EvolutionJson.Default.EvolutionContactsArray) is { Contacts: { Count: > 0 } list }
                                          && CallbackJson.ReadEach(list, EvolutionJson.Default.EvolutionContact).Select(VCards.Read)
                                              .OfType<ContactDetails>().ToList() is { Count: > 0 } many
                    ? new(MessageType.Contacts, null, new MessageDetails { Contacts = many })
                    : null,
                "reactionMessage" => ReadObject(value, EvolutionJson.Default.EvolutionReaction) is { } reaction && Id(reaction.Key?.Id) is { } reactedTo
                    ? new(MessageType.Reaction, null, new MessageDetails { Reaction = new ReactionDetails(CallbackJson.Text(reaction.Text) ?? "", reactedTo) })
                    : null,
                "buttonsResponseMessage" => ReadObject(value, EvolutionJson.Default.EvolutionButtonsResponse) is { } reply
                    ? Button(CallbackJson.Text(reply.SelectedButtonId), CallbackJson.Text(reply.SelectedDisplayText), reply.ContextInfo)
                    : null,
                "templateButtonReplyMessage" => ReadObject(value, EvolutionJson.Default.EvolutionTemplateButtonReply) is { } reply
                    ? Button(CallbackJson.Text(reply.SelectedId), CallbackJson.Text(reply.SelectedDisplayText), reply.ContextInfo)
                    : null,
                "listResponseMessage" => ReadObject(value, EvolutionJson.Default.EvolutionListResponse) is { } reply
                    ? Button(reply.SingleSelectReply is { } row ? CallbackJson.Text(row.SelectedRowId) : null, CallbackJson.Text(reply.Title), reply.ContextInfo)
                    : null,
                "interactiveResponseMessage" => ReadObject(value, EvolutionJson.Default.EvolutionInteractiveResponse) is { } reply
                    ? Button(FlowId(reply.NativeFlowResponseMessage), reply.Body is { } body ? CallbackJson.Text(body.Text) : null, reply.ContextInfo)
                    : null,
                _ => null,
            };
            if (content is not null)
                return content;
            if (Known.Contains(property.Name))
                return null; // a known content of another shape: unsupported, rather than a later property taken for it
        }
        return null;

        Parsed? Media(MessageType type, JsonElement value)
        {
            if (ReadObject(value, EvolutionJson.Default.EvolutionMedia) is not { } media)
                return null;
            if (type == MessageType.Audio && media.Ptt.ValueKind == JsonValueKind.True)
                type = MessageType.Ptt;
            var mimeType = CallbackJson.Text(media.MimeType) is { Length: > 0 } m ? m : null;
            var fileName = type == MessageType.Document && CallbackJson.Text(media.FileName) is { Length: > 0 } f ? f : null;
            var caption = type is MessageType.Image or MessageType.Video or MessageType.Document ? CallbackJson.Text(media.Caption) : null;
            return new(type, caption, Media: new EvolutionMediaReference(id, remoteJid, FromMe: false, participant, mimeType, fileName).ToJson(),
                Quoted: StanzaId(media.ContextInfo));
        }
    }

    /// <summary>The message's first property that is a content (not its <c>messageContextInfo</c> or a group's key distribution).</summary>
    private static string? FirstContentName(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object
            ? message.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is not ("messageContextInfo" or "senderKeyDistributionMessage"))
            : null;

    private static Parsed? Location(JsonElement value) =>
        ReadObject(value, EvolutionJson.Default.EvolutionLocation) is { } location
        && location.DegreesLatitude.ValueKind == JsonValueKind.Number && location.DegreesLatitude.TryGetDouble(out var latitude)
        && location.DegreesLongitude.ValueKind == JsonValueKind.Number && location.DegreesLongitude.TryGetDouble(out var longitude)
        && latitude is >= -90 and <= 90 && longitude is >= -180 and <= 180
            ? new(MessageType.Location, null, new MessageDetails
            {
                Location = new LocationDetails(latitude, longitude,
                    CallbackJson.Text(location.Name) is { Length: > 0 } name ? name : null,
                    CallbackJson.Text(location.Address) is { Length: > 0 } address ? address : null),
            }, Quoted: StanzaId(location.ContextInfo))
            : null;

    /// <summary>A tapped button or list row: its id and the text the customer saw (the id when there is none), which is also the content.</summary>
    private static Parsed? Button(string? id, string? title, JsonElement contextInfo) =>
        (title is { Length: > 0 } ? title : id) is { Length: > 0 } shown
            ? new(MessageType.Button, shown, new MessageDetails { Button = new ButtonDetails(id is { Length: > 0 } ? id : null, shown) },
                Quoted: StanzaId(contextInfo))
            : null;

    /// <summary>A native flow reply's button id: <c>paramsJson</c> is JSON text, <c>{"id": "…"}</c> for a quick reply.</summary>
    private static string? FlowId(EvolutionNativeFlowResponse? flow)
    {
        if (flow is null || CallbackJson.Text(flow.ParamsJson) is not { Length: > 0 } paramsJson)
            return null;
        try
        {
            using var parsed = JsonDocument.Parse(paramsJson);
            return parsed.RootElement.ValueKind == JsonValueKind.Object && parsed.RootElement.TryGetProperty("id", out var flowId)
                ? CallbackJson.Text(flowId)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? StanzaId(JsonElement contextInfo) =>
        ReadObject(contextInfo, EvolutionJson.Default.EvolutionContextInfo) is { } context ? Id(CallbackJson.Text(context.StanzaId)) : null;

    /// <summary><c>messageTimestamp</c>: seconds since 1970, a number (or the text of one).</summary>
    private static DateTimeOffset? Timestamp(JsonElement value)
    {
        long? seconds = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var number) => number,
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var text) => text,
            _ => null,
        };
        return seconds is > 0 and < 253402300800 ? DateTimeOffset.FromUnixTimeSeconds(seconds.Value) : null;
    }

    private static T? ReadObject<T>(JsonElement element, JsonTypeInfo<T> type) where T : class =>
        element.ValueKind == JsonValueKind.Object ? CallbackJson.Read(element, type) : null;
}

/// <summary>
/// The contacts WhatsApp shares: vCard 3.0 text (<c>contactMessage.vcard</c>). The name is <c>FN</c> (else the message's
/// <c>displayName</c>); each <c>TEL</c> is a phone: its <c>waid</c> parameter (the WhatsApp number) in E.164 when it has
/// one, else the number as written, in E.164 when it is an international number with formatting
/// (<c>+1 (415) 555-0123</c>).
/// </summary>
internal static class VCards
{
    public static ContactDetails? Read(EvolutionContact contact)
    {
        string? name = null;
        var phones = new List<string>();
        // Folded lines (RFC 6350: a line starting with a space or tab continues the one before) are unfolded first.
        var vcard = (CallbackJson.Text(contact.Vcard) ?? "").Replace("\r\n", "\n").Replace("\n ", "").Replace("\n\t", "");
        foreach (var line in vcard.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            var parameters = line[..colon].Split(';');
            var property = parameters[0][(parameters[0].LastIndexOf('.') + 1)..]; // item1.TEL → TEL
            var value = line[(colon + 1)..].Trim();
            if (property.Equals("FN", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
                name ??= Unescape(value);
            else if (property.Equals("TEL", StringComparison.OrdinalIgnoreCase))
            {
                var waid = parameters.Skip(1).Select(p => p.Split('=', 2))
                    .FirstOrDefault(p => p.Length == 2 && p[0].Equals("waid", StringComparison.OrdinalIgnoreCase))?[1];
                if (((waid is not null ? ChatAddress.FromDigits(waid) : null) ?? Formatted(value)) is { Length: > 0 } phone)
                    phones.Add(phone);
            }
        }
        name ??= CallbackJson.Text(contact.DisplayName) is { Length: > 0 } displayName ? displayName : null;
        return name is null && phones.Count == 0 ? null : new ContactDetails(name ?? "", phones);
    }

    /// <summary><c>+1 (415) 555-0123</c> → <c>+14155550123</c>; anything else as written.</summary>
    private static string Formatted(string value) =>
        value.StartsWith('+') && value.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.')
        && ChatAddress.FromDigits(new string(value.Where(char.IsAsciiDigit).ToArray())) is { } e164
            ? e164
            : value;

    /// <summary>vCard's escapes: <c>\,</c> <c>\;</c> <c>\\</c>, and <c>\n</c> (a new line, a space in a name).</summary>
    private static string Unescape(string value)
    {
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
            text.Append(value[i] == '\\' && i + 1 < value.Length ? value[++i] switch { 'n' or 'N' => ' ', var c => c } : value[i]);
        return text.ToString();
    }
}

/// <summary>Evolution's webhook envelope, as far as ChatSend reads it: the event name (<c>messages.update</c> or <c>MESSAGES_UPDATE</c>) and its data.</summary>
public sealed record EvolutionEvent(
    [property: JsonPropertyName("event")] string? Event,
    [property: JsonPropertyName("data")] JsonElement Data);

/// <summary>
/// One <c>messages.update</c> entry: the WhatsApp key id of the message, whether the instance sent it (only JSON false
/// says it did not), its status, and the chat it went to (<c>remoteJid</c>, read as it comes).
/// </summary>
public sealed record EvolutionMessageUpdate(
    [property: JsonPropertyName("keyId")] string? KeyId,
    [property: JsonPropertyName("fromMe")] JsonElement FromMe,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("remoteJid")] JsonElement RemoteJid = default);

/// <summary>
/// One <c>messages.upsert</c> entry (prepareMessage's <c>messageRaw</c>): what identifies the message is typed; what
/// ChatSend only shows or tests is kept as it comes and read where it is used.
/// </summary>
public sealed record EvolutionUpsert(
    [property: JsonPropertyName("key")] EvolutionKey? Key,
    [property: JsonPropertyName("message")] JsonElement Message,
    [property: JsonPropertyName("contextInfo")] JsonElement ContextInfo,
    [property: JsonPropertyName("messageType")] JsonElement MessageType,
    [property: JsonPropertyName("messageTimestamp")] JsonElement MessageTimestamp);

/// <summary>
/// Baileys' message key as Evolution passes it on: <c>remoteJid</c> the chat, <c>participant</c> the sender in a group;
/// for someone addressed by a LID, the phone JID beside it (<c>remoteJidAlt</c>/<c>participantAlt</c>, or
/// <c>senderPn</c>/<c>participantPn</c> before Evolution 2.3.5).
/// </summary>
public sealed record EvolutionKey(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("remoteJid")] string? RemoteJid,
    [property: JsonPropertyName("fromMe")] JsonElement FromMe,
    [property: JsonPropertyName("participant")] JsonElement Participant,
    [property: JsonPropertyName("remoteJidAlt")] JsonElement RemoteJidAlt,
    [property: JsonPropertyName("participantAlt")] JsonElement ParticipantAlt,
    [property: JsonPropertyName("senderPn")] JsonElement SenderPn,
    [property: JsonPropertyName("participantPn")] JsonElement ParticipantPn);

public sealed record EvolutionContextInfo([property: JsonPropertyName("stanzaId")] JsonElement StanzaId);

public sealed record EvolutionExtendedText(
    [property: JsonPropertyName("text")] JsonElement Text,
    [property: JsonPropertyName("contextInfo")] JsonElement ContextInfo);

/// <summary><c>imageMessage</c>, <c>videoMessage</c>, <c>documentMessage</c>, <c>audioMessage</c> (<c>ptt</c>: a voice note), <c>stickerMessage</c>.</summary>
public sealed record EvolutionMedia(
    [property: JsonPropertyName("caption")] JsonElement Caption,
    [property: JsonPropertyName("mimetype")] JsonElement MimeType,
    [property: JsonPropertyName("fileName")] JsonElement FileName,
    [property: JsonPropertyName("ptt")] JsonElement Ptt,
    [property: JsonPropertyName("contextInfo")] JsonElement ContextInfo);

public sealed record EvolutionLocation(
    [property: JsonPropertyName("degreesLatitude")] JsonElement DegreesLatitude,
    [property: JsonPropertyName("degreesLongitude")] JsonElement DegreesLongitude,
    [property: JsonPropertyName("name")] JsonElement Name,
    [property: JsonPropertyName("address")] JsonElement Address,
    [property: JsonPropertyName("contextInfo")] JsonElement ContextInfo);

public sealed record EvolutionContact(
    [property: JsonPropertyName("displayName")] JsonElement DisplayName,
    [property: JsonPropertyName("vcard")] JsonElement Vcard);

public sealed record EvolutionContactsArray(
    [property: JsonPropertyName("displayName")] JsonElement DisplayName,
    [property: JsonPropertyName("contacts")] IReadOnlyList<JsonElement>? Contacts);

/// <summary><c>reactionMessage</c>: the emoji (<c>""</c> or absent when the reaction is taken back) and the key of the message it is on.</summary>
public sealed record EvolutionReaction(
    [property: JsonPropertyName("text")] JsonElement Text,
    [property: JsonPropertyName("key")] EvolutionReactionKey? Key);

public sealed record EvolutionReactionKey([property: JsonPropertyName("id")] string? Id);

public sealed record EvolutionButtonsResponse(
    [property: JsonPropertyName("selectedButtonId")] JsonElement SelectedButtonId,
    [property: JsonPropertyName("selectedDisplayText")] JsonElement SelectedDisplayText,
    [property: JsonPropertyName("contextInfo")] JsonElement ContextInfo);

public sealed record EvolutionTemplateButtonReply(
    [property: JsonPropertyName("selectedId")] JsonElement SelectedId,
    [property: JsonPropertyName("selectedDisplayText")] JsonElement SelectedDisplayText,
    [property: JsonPropertyName("contextInfo")] JsonElement ContextInfo);

public sealed record EvolutionListResponse(
    [property: JsonPropertyName("title")] JsonElement Title,
    [property: JsonPropertyName("singleSelectReply")] EvolutionSingleSelectReply? SingleSelectReply,
    [property: JsonPropertyName("contextInfo")] JsonElement ContextInfo);

public sealed record EvolutionSingleSelectReply([property: JsonPropertyName("selectedRowId")] JsonElement SelectedRowId);

public sealed record EvolutionInteractiveResponse(
    [property: JsonPropertyName("body")] EvolutionInteractiveBody? Body,
    [property: JsonPropertyName("nativeFlowResponseMessage")] EvolutionNativeFlowResponse? NativeFlowResponseMessage,
    [property: JsonPropertyName("contextInfo")] JsonElement ContextInfo);

public sealed record EvolutionInteractiveBody([property: JsonPropertyName("text")] JsonElement Text);

public sealed record EvolutionNativeFlowResponse([property: JsonPropertyName("paramsJson")] JsonElement ParamsJson);

[JsonSerializable(typeof(EvolutionEvent))]
[JsonSerializable(typeof(EvolutionMessageUpdate))]
[JsonSerializable(typeof(EvolutionUpsert))]
[JsonSerializable(typeof(EvolutionContextInfo))]
[JsonSerializable(typeof(EvolutionExtendedText))]
[JsonSerializable(typeof(EvolutionMedia))]
[JsonSerializable(typeof(EvolutionLocation))]
[JsonSerializable(typeof(EvolutionContact))]
[JsonSerializable(typeof(EvolutionContactsArray))]
[JsonSerializable(typeof(EvolutionReaction))]
[JsonSerializable(typeof(EvolutionButtonsResponse))]
[JsonSerializable(typeof(EvolutionTemplateButtonReply))]
[JsonSerializable(typeof(EvolutionListResponse))]
[JsonSerializable(typeof(EvolutionInteractiveResponse))]
internal sealed partial class EvolutionJson : JsonSerializerContext;
