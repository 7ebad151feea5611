using System.Text.Json.Serialization;

namespace ChatSend.Client;

/// <summary>
/// The body of <c>POST /send</c>. The message type follows from the media field that is set: none → <c>text</c>
/// (then <see cref="Text"/> is required), <see cref="ImageUrl"/> → <c>image</c>, <see cref="VideoUrl"/> →
/// <c>video</c>, <see cref="DocumentUrl"/> → <c>document</c>, <see cref="AudioUrl"/> → <c>ptt</c>; at most one.
/// </summary>
public sealed record SendMessageRequest
{
    /// <summary>Id of the sending session (a registered sender account). Required.</summary>
    [JsonPropertyName("session")] public string Session { get; init; } = "";

    /// <summary>The recipient: a phone number in international form (<c>+</c> optional) or a group JID (<c>…@g.us</c>). Required.</summary>
    [JsonPropertyName("to")] public string To { get; init; } = "";

    /// <summary>The text, or the caption of a media message; at most 4096 characters.</summary>
    [JsonPropertyName("text")] public string? Text { get; init; }

    /// <summary>URL of an image to send.</summary>
    [JsonPropertyName("imageUrl")] public string? ImageUrl { get; init; }

    /// <summary>URL of a video to send.</summary>
    [JsonPropertyName("videoUrl")] public string? VideoUrl { get; init; }

    /// <summary>URL of a document to send.</summary>
    [JsonPropertyName("documentUrl")] public string? DocumentUrl { get; init; }

    /// <summary>URL of audio, sent as a voice note (type <c>ptt</c>).</summary>
    [JsonPropertyName("audioUrl")] public string? AudioUrl { get; init; }

    /// <summary>MIME type of the media; inferred when absent.</summary>
    [JsonPropertyName("mimetype")] public string? Mimetype { get; init; }

    /// <summary>File name of the attachment.</summary>
    [JsonPropertyName("filename")] public string? Filename { get; init; }

    /// <summary>Custom link-preview fields for a text message.</summary>
    [JsonPropertyName("preview")] public IReadOnlyDictionary<string, string>? Preview { get; init; }

    /// <summary>When to send, 1 second to 35 days ahead; the message is <c>scheduled</c> until then.</summary>
    [JsonPropertyName("sendAt")] public DateTimeOffset? SendAt { get; init; }

    /// <summary>The id of a message of the same session to quote: a customer's, or one the session sent once it was sent.</summary>
    [JsonPropertyName("replyTo")] public string? ReplyTo { get; init; }
}
