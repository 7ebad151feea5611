using System.Text.Json.Serialization;
using ChatSend.Send;

namespace ChatSend.Templates;

/// <summary>
/// A template to send, as checked from the request: stored with the message as JSON and read back by delivery. The
/// header's file, if any, is staged like any media and travels as the message's media.
/// </summary>
public sealed record SendTemplate(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("named")] IReadOnlyDictionary<string, string>? Named,
    [property: JsonPropertyName("positional")] IReadOnlyList<string>? Positional,
    [property: JsonPropertyName("headerType")] MessageType? HeaderMedia,
    [property: JsonPropertyName("headerText")] string? HeaderText,
    [property: JsonPropertyName("buttons")] IReadOnlyList<TemplateButton> Buttons)
{
    /// <summary>The number of values given, named or positional.</summary>
    [JsonIgnore] public int ParameterCount => Named?.Count ?? Positional?.Count ?? 0;
}

/// <summary>A button's value: <see cref="Payload"/> for a quick reply, <see cref="Text"/> for a URL button's dynamic part.</summary>
public sealed record TemplateButton(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("payload")] string? Payload,
    [property: JsonPropertyName("text")] string? Text);
