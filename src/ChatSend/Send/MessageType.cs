using System.Text.Json.Serialization;

namespace ChatSend.Send;

/// <summary>The message types of the contract, inferred from which field of the request is present.</summary>
[JsonConverter(typeof(WireNameJsonConverter<MessageType>))]
public enum MessageType
{
    [JsonStringEnumMemberName("text")] Text,
    [JsonStringEnumMemberName("image")] Image,
    [JsonStringEnumMemberName("video")] Video,
    [JsonStringEnumMemberName("document")] Document,
    [JsonStringEnumMemberName("ptt")] Ptt,
}

public static class MessageTypes
{
    public static string ToWire(this MessageType type) => WireNames<MessageType>.Of(type);

    public static MessageType Parse(string wire) => WireNames<MessageType>.Parse(wire);

    /// <summary>The MIME top-level type a media type requires, or null when any is allowed.</summary>
    public static string? RequiredMimeFamily(this MessageType type) => type switch
    {
        MessageType.Text => null,
        MessageType.Image => "image",
        MessageType.Video => "video",
        MessageType.Document => null,
        MessageType.Ptt => "audio",
    };
}
