using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace ChatSend.Send;

/// <summary>
/// The body of <c>POST /send</c>: a text message, or a media message with one media URL and an optional caption.
/// JSON <c>null</c> counts as absent and unknown fields are ignored.
/// </summary>
/// <remarks>
/// Documented for clients in docs/api.md ("Send a message"), which also lists the fields added to the original contract.
/// Every field is optional on the wire so that <see cref="SendRequestValidator"/> can name each one that is missing or
/// wrong; <see cref="RequiredAttribute"/> marks what the contract requires for the OpenAPI document only.
/// </remarks>
public sealed record SendRequest
{
    /// <summary>Id of the sending session.</summary>
    [Required, JsonPropertyName("session")] public string? Session { get; init; }

    /// <summary>A phone number in international form (<c>+</c> optional) or a group JID (<c>…@g.us</c>).</summary>
    [Required, JsonPropertyName("to")] public string? To { get; init; }

    /// <summary>The text, or the caption of a media message; at most 4096 characters.</summary>
    [JsonPropertyName("text")] public string? Text { get; init; }

    [JsonPropertyName("imageUrl")] public string? ImageUrl { get; init; }
    [JsonPropertyName("videoUrl")] public string? VideoUrl { get; init; }
    [JsonPropertyName("documentUrl")] public string? DocumentUrl { get; init; }

    /// <summary>Audio sent as a voice note (type <c>ptt</c>).</summary>
    [JsonPropertyName("audioUrl")] public string? AudioUrl { get; init; }

    /// <summary>MIME type of the media; inferred when absent.</summary>
    [JsonPropertyName("mimetype")] public string? MimeType { get; init; }

    [JsonPropertyName("filename")] public string? FileName { get; init; }

    /// <summary>When to send: ISO 8601 with an offset, 1 second to 35 days ahead; the message is <c>scheduled</c> until then.</summary>
    [JsonPropertyName("sendAt")] public string? SendAt { get; init; }

    /// <summary>Custom link-preview fields for a text message.</summary>
    [JsonPropertyName("preview")] public IReadOnlyDictionary<string, string?>? Preview { get; init; }

    /// <summary>
    /// The id of a message of the same session to quote (a reply): a customer's message, or one the session sent once
    /// the provider has taken it.
    /// </summary>
    [JsonPropertyName("replyTo")] public string? ReplyTo { get; init; }

    /// <summary>An approved WhatsApp template instead of <c>text</c> or media (providers with templates only).</summary>
    [JsonPropertyName("template")] public Templates.TemplateRequest? Template { get; init; }

    /// <summary>
    /// For a free-form message on a session that enforces the 24-hour window: the template (the shape of
    /// <see cref="Template"/>) to send instead when the chat's window is closed.
    /// </summary>
    [JsonPropertyName("fallbackTemplate")] public Templates.TemplateRequest? FallbackTemplate { get; init; }

    /// <summary>
    /// False lets this message go without waiting for the session's earlier messages to the same chat (a one-time code
    /// that must not wait behind a video); by default a chat's messages reach the provider in the order they were accepted.
    /// </summary>
    [JsonPropertyName("ordered")] public bool? Ordered { get; init; }

    /// <summary>Each media field with the type it selects and its value, in contract order.</summary>
    public IReadOnlyList<(string Field, MessageType Type, string? Url)> MediaFields() =>
    [
        ("imageUrl", MessageType.Image, ImageUrl),
        ("videoUrl", MessageType.Video, VideoUrl),
        ("documentUrl", MessageType.Document, DocumentUrl),
        ("audioUrl", MessageType.Ptt, AudioUrl),
    ];
}
