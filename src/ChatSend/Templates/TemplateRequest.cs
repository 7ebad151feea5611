using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend.Templates;

/// <summary>
/// <c>template</c> on <c>POST /send</c>: an approved WhatsApp template by name and language, the values of its body's
/// parameters, its header (a file or a text) and its buttons' values. Checked by <see cref="TemplateRequestValidator"/>.
/// </summary>
public sealed record TemplateRequest
{
    /// <summary>The template's name, as the account has it approved.</summary>
    [Required, JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>The template's language and locale code, such as <c>en_US</c>.</summary>
    [Required, JsonPropertyName("language")] public string? Language { get; init; }

    /// <summary>The body's parameters: an object of named values (<c>{"order_id": "123"}</c>) or an array of positional ones.</summary>
    [JsonPropertyName("parameters")] public JsonElement? Parameters { get; init; }

    [JsonPropertyName("header")] public TemplateHeaderRequest? Header { get; init; }

    [JsonPropertyName("buttons")] public IReadOnlyList<TemplateButtonRequest>? Buttons { get; init; }
}

/// <summary>A template's header: one media URL (with a file name for a document), or a text.</summary>
public sealed record TemplateHeaderRequest
{
    [JsonPropertyName("imageUrl")] public string? ImageUrl { get; init; }
    [JsonPropertyName("videoUrl")] public string? VideoUrl { get; init; }
    [JsonPropertyName("documentUrl")] public string? DocumentUrl { get; init; }
    [JsonPropertyName("filename")] public string? FileName { get; init; }
    [JsonPropertyName("text")] public string? Text { get; init; }
}

/// <summary>A button's value: a quick reply's <c>payload</c>, or the text a URL button adds to its link.</summary>
public sealed record TemplateButtonRequest
{
    [Required, JsonPropertyName("index")] public int? Index { get; init; }
    [JsonPropertyName("payload")] public string? Payload { get; init; }
    [JsonPropertyName("text")] public string? Text { get; init; }
}
