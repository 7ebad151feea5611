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

    /// <summary>An approved WhatsApp template instead of <see cref="Text"/> or media (type <c>template</c>).</summary>
    [JsonPropertyName("template")] public TemplateMessage? Template { get; init; }

    /// <summary>
    /// For a free-form message: the template to send instead when the chat's 24-hour window is closed (a session that
    /// enforces it, as Cloud API sessions do); the answer then says <see cref="ChatSendMessage.Fallback"/>.
    /// </summary>
    [JsonPropertyName("fallbackTemplate")] public TemplateMessage? FallbackTemplate { get; init; }

    /// <summary>
    /// False lets this message overtake the session's earlier messages to the same chat; by default a chat's messages
    /// reach the provider in the order ChatSend accepted them, each once the one before it is sent or has ended.
    /// </summary>
    [JsonPropertyName("ordered")] public bool? Ordered { get; init; }
}

/// <summary>A chat's 24-hour window, as <c>GET /sessions/{session}/chats/{chat}</c> answers.</summary>
public sealed record ChatWindow(
    [property: JsonPropertyName("chat")] string Chat,
    [property: JsonPropertyName("lastInboundAt")] DateTimeOffset? LastInboundAt,
    [property: JsonPropertyName("windowOpenUntil")] DateTimeOffset? WindowOpenUntil,
    [property: JsonPropertyName("windowOpen")] bool WindowOpen,
    [property: JsonPropertyName("onWhatsApp")] bool? OnWhatsApp)
{
    /// <summary>The session's messages to the chat that wait their turn in its order, the one whose turn it is included.</summary>
    [JsonPropertyName("waiting")] public long Waiting { get; init; }
}

/// <summary>
/// A template to send: its name and language, the body's values (<see cref="Named"/> or <see cref="Positional"/>), its
/// header and its buttons' values. ChatSend checks it against the session's approved templates before accepting it.
/// </summary>
public sealed record TemplateMessage
{
    /// <summary>The <c>name</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";

    /// <summary>The language and locale code, such as <c>en_US</c>.</summary>
    [JsonPropertyName("language")] public string Language { get; init; } = "";

    /// <summary>The body's values: use <see cref="Named"/> or <see cref="Positional"/>.</summary>
    [JsonPropertyName("parameters")] public System.Text.Json.JsonElement? Parameters { get; init; }

    /// <summary>The <c>header</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("header")] public TemplateHeader? Header { get; init; }

    /// <summary>The <c>buttons</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("buttons")] public IReadOnlyList<TemplateButtonValue>? Buttons { get; init; }

    /// <summary>Values for a template with named parameters (<c>{{order_id}}</c>).</summary>
    public static System.Text.Json.JsonElement Named(IReadOnlyDictionary<string, string> values) =>
        System.Text.Json.JsonSerializer.SerializeToElement(values, ClientJson.Default.IReadOnlyDictionaryStringString);

    /// <summary>Values for a template with numbered parameters (<c>{{1}}</c>, <c>{{2}}</c>…), in order.</summary>
    public static System.Text.Json.JsonElement Positional(params string[] values) =>
        System.Text.Json.JsonSerializer.SerializeToElement(values, ClientJson.Default.StringArray);
}

/// <summary>A template's header: one of the media URLs (a document with an optional file name), or a text.</summary>
public sealed record TemplateHeader
{
    /// <summary>The <c>imageUrl</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("imageUrl")] public string? ImageUrl { get; init; }
    /// <summary>The <c>videoUrl</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("videoUrl")] public string? VideoUrl { get; init; }
    /// <summary>The <c>documentUrl</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("documentUrl")] public string? DocumentUrl { get; init; }
    /// <summary>The <c>filename</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("filename")] public string? Filename { get; init; }
    /// <summary>The <c>text</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("text")] public string? Text { get; init; }
}

/// <summary>A button's value, by its place in the template: a quick reply's <see cref="Payload"/>, or a URL button's <see cref="Text"/>.</summary>
public sealed record TemplateButtonValue
{
    /// <summary>The <c>index</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("index")] public int Index { get; init; }
    /// <summary>The <c>payload</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("payload")] public string? Payload { get; init; }
    /// <summary>The <c>text</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("text")] public string? Text { get; init; }
}

/// <summary>The answer of <c>GET /sessions/{session}/templates</c>.</summary>
public sealed record TemplateCatalog
{
    /// <summary>The <c>templates</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("templates")] public IReadOnlyList<TemplateInfo> Templates { get; init; } = [];
}

/// <summary>One template of a session's account: only <c>APPROVED</c> ones can be sent.</summary>
public sealed record TemplateInfo
{
    /// <summary>The <c>name</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    /// <summary>The <c>language</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("language")] public string Language { get; init; } = "";
    /// <summary>The <c>status</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    /// <summary>The <c>category</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("category")] public string? Category { get; init; }
    /// <summary>The <c>body</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("body")] public string Body { get; init; } = "";

    /// <summary><c>named</c> or <c>positional</c>.</summary>
    [JsonPropertyName("parameterFormat")] public string ParameterFormat { get; init; } = "";

    /// <summary>A named template's parameter names.</summary>
    [JsonPropertyName("parameters")] public IReadOnlyList<string> Parameters { get; init; } = [];

    /// <summary>The <c>parameterCount</c> field, as <c>POST /send</c> and the templates list document it.</summary>
    [JsonPropertyName("parameterCount")] public int ParameterCount { get; init; }
}
