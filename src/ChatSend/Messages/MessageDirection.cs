using System.Text.Json.Serialization;

namespace ChatSend.Messages;

/// <summary>Whether the session sent a message or a customer did.</summary>
[JsonConverter(typeof(WireNameJsonConverter<MessageDirection>))]
public enum MessageDirection
{
    [JsonStringEnumMemberName("outbound")] Outbound,
    [JsonStringEnumMemberName("inbound")] Inbound,
}

public static class MessageDirections
{
    public const string Inbound = "inbound";
    public const string Outbound = "outbound";

    public static string ToWire(this MessageDirection direction) => WireNames<MessageDirection>.Of(direction);

    public static bool TryParse(string? wire, out MessageDirection direction) => WireNames<MessageDirection>.TryParse(wire, out direction);
}
