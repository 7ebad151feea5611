using System.Text.Json.Serialization;

namespace ChatSend.Send;

/// <summary>The message types of the contract, inferred from which field of the request is present.</summary>
[JsonConverter(typeof(MessageTypeJsonConverter))]
public enum MessageType
{
    [JsonStringEnumMemberName("text")] Text,
    [JsonStringEnumMemberName("image")] Image,
    [JsonStringEnumMemberName("video")] Video,
    [JsonStringEnumMemberName("document")] Document,
    [JsonStringEnumMemberName("ptt")] Ptt,
}

public sealed class MessageTypeJsonConverter() : JsonStringEnumConverter<MessageType>(namingPolicy: null, allowIntegerValues: false);

public static class MessageTypes
{
    /// <summary>Media request fields in contract order, each with the type it selects.</summary>
    public static IReadOnlyList<(string Field, MessageType Type)> MediaFields { get; } =
    [
        ("imageUrl", MessageType.Image),
        ("videoUrl", MessageType.Video),
        ("documentUrl", MessageType.Document),
        ("audioUrl", MessageType.Ptt),
    ];

    public static string ToWire(this MessageType type) => WireNames<MessageType>.Of(type);

    public static MessageType Parse(string wire) => WireNames<MessageType>.Parse(wire);

    /// <summary>The MIME top-level type a media type requires, or null when any is allowed.</summary>
    public static string? RequiredMimeFamily(this MessageType type) => type switch
    {
        MessageType.Image => "image",
        MessageType.Video => "video",
        MessageType.Ptt => "audio",
        _ => null,
    };
}
