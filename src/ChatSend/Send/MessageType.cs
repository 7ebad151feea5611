using System.Text.Json.Serialization;

namespace ChatSend.Send;

/// <summary>
/// The message types of the contract. <c>/send</c> infers one of <see cref="MessageTypes.Sendable"/> from which field of
/// the request is present; the others only come in, from customers.
/// </summary>
[JsonConverter(typeof(WireNameJsonConverter<MessageType>))]
public enum MessageType
{
    [JsonStringEnumMemberName("text")] Text,
    [JsonStringEnumMemberName("image")] Image,
    [JsonStringEnumMemberName("video")] Video,
    [JsonStringEnumMemberName("document")] Document,
    [JsonStringEnumMemberName("ptt")] Ptt,
    [JsonStringEnumMemberName("audio")] Audio,
    [JsonStringEnumMemberName("sticker")] Sticker,
    [JsonStringEnumMemberName("location")] Location,
    [JsonStringEnumMemberName("contacts")] Contacts,
    [JsonStringEnumMemberName("reaction")] Reaction,
    [JsonStringEnumMemberName("button")] Button,
    [JsonStringEnumMemberName("unsupported")] Unsupported,

    /// <summary>An approved WhatsApp template (<c>template</c> on <c>/send</c>); a provider sends it when it declares <see cref="Providers.ProviderCapabilities.Templates"/>.</summary>
    [JsonStringEnumMemberName("template")] Template,
}

public static class MessageTypes
{
    /// <summary>
    /// The types <c>/send</c> can ask for with <c>text</c> or a media field (<see cref="SendRequest"/>); a provider declares
    /// which of them it sends. A <see cref="MessageType.Template"/> is declared apart, as <c>Templates</c>.
    /// </summary>
    public static IReadOnlyList<MessageType> Sendable { get; } =
        [MessageType.Text, MessageType.Image, MessageType.Video, MessageType.Document, MessageType.Ptt];

    /// <summary>Whether a message of this type carries a file.</summary>
    public static bool HasMedia(this MessageType type) => type switch
    {
        MessageType.Image or MessageType.Video or MessageType.Document or MessageType.Ptt or MessageType.Audio or MessageType.Sticker => true,
        MessageType.Text or MessageType.Location or MessageType.Contacts or MessageType.Reaction or MessageType.Button
            or MessageType.Unsupported or MessageType.Template => false,
    };

    public static string ToWire(this MessageType type) => WireNames<MessageType>.Of(type);

    public static MessageType Parse(string wire) => WireNames<MessageType>.Parse(wire);

    /// <summary>The MIME top-level type a media type requires, or null when any is allowed.</summary>
    public static string? RequiredMimeFamily(this MessageType type) => type switch
    {
        MessageType.Image or MessageType.Sticker => "image",
        MessageType.Video => "video",
        MessageType.Ptt or MessageType.Audio => "audio",
        MessageType.Text or MessageType.Document or MessageType.Location or MessageType.Contacts or MessageType.Reaction
            or MessageType.Button or MessageType.Unsupported or MessageType.Template => null,
    };
}
