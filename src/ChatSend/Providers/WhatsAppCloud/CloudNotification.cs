using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSend.Providers.Callbacks;

namespace ChatSend.Providers.WhatsAppCloud;

// Meta's webhook notification for WhatsApp, as far as ChatSend reads it: entries of changes, each with the phone number it
// is for, the statuses of messages that number sent, and the messages customers sent to it with the contacts who sent them.
// Lists are read item by item, so one item of another shape than documented is skipped without losing the others; a change
// whose messages or contacts are not a list still gives its statuses.
//   https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components
//   https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
//   (each type: …/reference/messages/{text,image,video,audio,document,sticker,location,contacts,reaction,interactive,button,unsupported}/)
//   https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids (from_user_id, user_id)

public sealed record CloudNotification([property: JsonPropertyName("entry")] IReadOnlyList<JsonElement>? Entry)
{
    /// <summary>Each change that names its phone number id, with its value.</summary>
    public IEnumerable<(string PhoneNumberId, CloudValue Value)> Changes() =>
        from change in AllChanges()
        where change.Value?.Metadata?.PhoneNumberId is { Length: > 0 }
        select (change.Value!.Metadata!.PhoneNumberId!, change.Value);

    /// <summary>Each change of the <c>messages</c> field (the only one a Cloud API app is subscribed to) that names its phone number id.</summary>
    public IEnumerable<(string PhoneNumberId, CloudValue Value)> MessageChanges() =>
        from change in AllChanges()
        where (change.Field is null or "messages") && change.Value?.Metadata?.PhoneNumberId is { Length: > 0 }
        select (change.Value!.Metadata!.PhoneNumberId!, change.Value);

    private IEnumerable<CloudChange> AllChanges() =>
        from entry in CallbackJson.ReadEach(Entry, CloudJson.Default.CloudEntry)
        from change in CallbackJson.ReadEach(entry.Changes, CloudJson.Default.CloudChange)
        select change;
}

public sealed record CloudEntry([property: JsonPropertyName("changes")] IReadOnlyList<JsonElement>? Changes);

public sealed record CloudChange(
    [property: JsonPropertyName("value")] CloudValue? Value,
    [property: JsonPropertyName("field")] string? Field = null);

/// <summary>
/// A change's value: its phone number, the statuses of what the number sent, and the customers' messages with their
/// contacts (<c>messages</c> and <c>contacts</c> are read as they come, so that a change whose messages are of another
/// shape still reports its statuses).
/// </summary>
public sealed record CloudValue(
    [property: JsonPropertyName("metadata")] CloudMetadata? Metadata,
    [property: JsonPropertyName("statuses")] IReadOnlyList<JsonElement>? Statuses,
    [property: JsonPropertyName("messages")] JsonElement Messages = default,
    [property: JsonPropertyName("contacts")] JsonElement Contacts = default)
{
    public IEnumerable<CloudMessage> CustomerMessages() => CallbackJson.ReadEach(ItemsOf(Messages), CloudJson.Default.CloudMessage);

    public IReadOnlyList<CloudContact> CustomerContacts() => CallbackJson.ReadEach(ItemsOf(Contacts), CloudJson.Default.CloudContact).ToList();

    private static IReadOnlyList<JsonElement> ItemsOf(JsonElement list) =>
        list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
}

public sealed record CloudMetadata([property: JsonPropertyName("phone_number_id")] string? PhoneNumberId);

/// <summary>
/// A message's status: <c>sent</c>, <c>delivered</c>, <c>read</c>, <c>played</c> or <c>failed</c> (with its errors); the time
/// in Unix seconds as a string; the recipient's WhatsApp id (<c>recipient_id</c>), read as it comes.
/// </summary>
public sealed record CloudStatus(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("timestamp")] JsonElement Timestamp,
    [property: JsonPropertyName("errors")] IReadOnlyList<JsonElement>? Errors,
    [property: JsonPropertyName("recipient_id")] JsonElement RecipientId = default);

/// <summary>An error of a failed status: Meta's code, its title (or message) and <c>error_data.details</c>.</summary>
public sealed record CloudError(
    [property: JsonPropertyName("code")] JsonElement Code,
    [property: JsonPropertyName("title")] JsonElement Title,
    [property: JsonPropertyName("message")] JsonElement Message,
    [property: JsonPropertyName("error_data")] JsonElement ErrorData);

/// <summary>
/// Who sent a change's messages: <c>wa_id</c> (the phone number's digits; omitted when the user has a username and the
/// number is not shared), <c>user_id</c> (the business-scoped user id, BSUID, in every messages webhook since April 2026)
/// and the profile name.
/// </summary>
public sealed record CloudContact(
    [property: JsonPropertyName("wa_id")] string? WaId,
    [property: JsonPropertyName("user_id")] string? UserId,
    [property: JsonPropertyName("profile")] CloudProfile? Profile);

public sealed record CloudProfile([property: JsonPropertyName("name")] string? Name, [property: JsonPropertyName("username")] string? Username);

/// <summary>
/// A customer's message: its id (<c>wamid.…</c>), who sent it (<c>from</c>, the phone number's digits, omitted for a user
/// whose number is hidden behind a username; <c>from_user_id</c>, the BSUID), in a group its <c>group_id</c>, the time in Unix
/// seconds as a string, the message it replies to (<c>context.id</c>), its type and, under the type's name, its content.
/// The content is kept as it came and read by its type (<see cref="CloudMessageContent"/>), so a message whose content is of
/// another shape is still recorded, as <c>unsupported</c>.
/// </summary>
public sealed record CloudMessage(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("from")] string? From,
    [property: JsonPropertyName("from_user_id")] string? FromUserId,
    [property: JsonPropertyName("group_id")] string? GroupId,
    [property: JsonPropertyName("timestamp")] JsonElement Timestamp,
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("context")] JsonElement Context,
    [property: JsonPropertyName("text")] JsonElement Text,
    [property: JsonPropertyName("image")] JsonElement Image,
    [property: JsonPropertyName("video")] JsonElement Video,
    [property: JsonPropertyName("audio")] JsonElement Audio,
    [property: JsonPropertyName("document")] JsonElement Document,
    [property: JsonPropertyName("sticker")] JsonElement Sticker,
    [property: JsonPropertyName("location")] JsonElement Location,
    [property: JsonPropertyName("contacts")] JsonElement Contacts,
    [property: JsonPropertyName("reaction")] JsonElement Reaction,
    [property: JsonPropertyName("interactive")] JsonElement Interactive,
    [property: JsonPropertyName("button")] JsonElement Button,
    [property: JsonPropertyName("unsupported")] JsonElement Unsupported);

/// <summary>What a message replies to, or that it was forwarded (then without <c>id</c>).</summary>
public sealed record CloudContext([property: JsonPropertyName("id")] string? Id, [property: JsonPropertyName("from")] string? From);

public sealed record CloudText([property: JsonPropertyName("body")] string? Body);

/// <summary>
/// An image, video, audio, document or sticker as the webhook describes it: the media id to retrieve it by, its MIME type and
/// SHA-256, and by type a caption, a document's file name, <c>voice: true</c> for a voice note, <c>animated</c> for a sticker.
/// </summary>
public sealed record CloudMedia(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("mime_type")] string? MimeType,
    [property: JsonPropertyName("sha256")] string? Sha256,
    [property: JsonPropertyName("caption")] string? Caption,
    [property: JsonPropertyName("filename")] string? FileName,
    [property: JsonPropertyName("voice")] bool? Voice);

/// <summary>A shared location; the coordinates are numbers in Meta's examples (read as strings too).</summary>
public sealed record CloudLocation(
    [property: JsonPropertyName("latitude")] JsonElement Latitude,
    [property: JsonPropertyName("longitude")] JsonElement Longitude,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("address")] string? Address);

/// <summary>A shared contact card, as far as ChatSend shows it: the name and the phone numbers.</summary>
public sealed record CloudSharedContact(
    [property: JsonPropertyName("name")] CloudContactName? Name,
    [property: JsonPropertyName("phones")] IReadOnlyList<JsonElement>? Phones);

public sealed record CloudContactName(
    [property: JsonPropertyName("formatted_name")] string? FormattedName,
    [property: JsonPropertyName("first_name")] string? FirstName,
    [property: JsonPropertyName("last_name")] string? LastName);

public sealed record CloudContactPhone([property: JsonPropertyName("phone")] string? Phone, [property: JsonPropertyName("wa_id")] string? WaId);

/// <summary>An emoji on a message the business sent; without <c>emoji</c> when the customer removed it.</summary>
public sealed record CloudReaction([property: JsonPropertyName("message_id")] string? MessageId, [property: JsonPropertyName("emoji")] string? Emoji);

/// <summary>A reply to an interactive message: a tapped reply button (<c>button_reply</c>) or list row (<c>list_reply</c>), or another kind.</summary>
public sealed record CloudInteractive(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("button_reply")] CloudReply? ButtonReply,
    [property: JsonPropertyName("list_reply")] CloudReply? ListReply);

public sealed record CloudReply([property: JsonPropertyName("id")] string? Id, [property: JsonPropertyName("title")] string? Title);

/// <summary>A tapped quick-reply button of a template: its text and the payload the template gave it.</summary>
public sealed record CloudButton([property: JsonPropertyName("text")] string? Text, [property: JsonPropertyName("payload")] string? Payload);

/// <summary>What a message the Cloud API does not support was (<c>unsupported.type</c>: an edit, a poll, a video note…).</summary>
public sealed record CloudUnsupported([property: JsonPropertyName("type")] string? Type);

/// <summary>
/// ChatSend's reference to a customer's file at the Cloud API (<see cref="Callbacks.InboundReport.Media"/>): the webhook's
/// media id, with its MIME type, SHA-256 and a document's file name. <see cref="WhatsAppCloudMediaSource"/> opens it.
/// </summary>
public sealed record CloudMediaReference(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("mime_type")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MimeType = null,
    [property: JsonPropertyName("sha256")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256 = null,
    [property: JsonPropertyName("filename")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FileName = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, CloudJson.Default.CloudMediaReference);

    /// <summary>The reference a callback stored, or null when it is not one.</summary>
    public static CloudMediaReference? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CloudJson.Default.CloudMediaReference) is { Id.Length: > 0 } reference ? reference : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// The answer to <c>GET /{version}/{media-id}</c> ("Retrieve media URL"): a download URL valid for five minutes, the MIME
/// type, the SHA-256 and the size (a string in Meta's example, a number in older ones).
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media/
/// </summary>
public sealed record CloudMediaUrl(
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("mime_type")] string? MimeType,
    [property: JsonPropertyName("sha256")] string? Sha256,
    [property: JsonPropertyName("file_size")] JsonElement FileSize,
    [property: JsonPropertyName("id")] string? Id);

[JsonSerializable(typeof(CloudNotification))]
[JsonSerializable(typeof(CloudEntry))]
[JsonSerializable(typeof(CloudChange))]
[JsonSerializable(typeof(CloudStatus))]
[JsonSerializable(typeof(CloudError))]
[JsonSerializable(typeof(CloudContact))]
[JsonSerializable(typeof(CloudMessage))]
[JsonSerializable(typeof(CloudContext))]
[JsonSerializable(typeof(CloudText))]
[JsonSerializable(typeof(CloudMedia))]
[JsonSerializable(typeof(CloudLocation))]
[JsonSerializable(typeof(CloudSharedContact))]
[JsonSerializable(typeof(CloudContactPhone))]
[JsonSerializable(typeof(CloudReaction))]
[JsonSerializable(typeof(CloudInteractive))]
[JsonSerializable(typeof(CloudButton))]
[JsonSerializable(typeof(CloudUnsupported))]
[JsonSerializable(typeof(CloudMediaReference))]
[JsonSerializable(typeof(CloudMediaUrl))]
internal sealed partial class CloudJson : JsonSerializerContext;
