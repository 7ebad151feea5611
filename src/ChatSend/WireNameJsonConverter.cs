using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend;

/// <summary>
/// Writes a closed set by its wire name and reads it by name in any letter case (<c>"read"</c>, <c>"READ"</c>);
/// numbers and unknown names fail the read.
/// </summary>
public sealed class WireNameJsonConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && WireNames<TEnum>.TryParse(reader.GetString(), out var value)
            ? value
            : throw new JsonException($"Not a {typeof(TEnum).Name}.");

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WriteStringValue(WireNames<TEnum>.Of(value));
}
