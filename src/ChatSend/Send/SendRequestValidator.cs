using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Sessions;
using ChatSend.Templates;

namespace ChatSend.Send;

/// <summary>
/// The rules of <c>POST /send</c> on the wire record: infers the type from the fields present and normalises the
/// recipient. Fields already named for a wrong JSON type are not reported again.
/// </summary>
public static partial class SendRequestValidator
{
    public const int MaxTextCharacters = 4096;
    public const int MaxUrlLength = 2048;
    public const int MaxFileNameLength = 255;
    public const int MaxPreviewFields = 16;
    public const int MaxPreviewValueLength = 2048;
    public static readonly TimeSpan MinSchedule = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxSchedule = TimeSpan.FromDays(35);

    /// <param name="toField">the name the wire gives <see cref="SendRequest.To"/>: <c>to</c>, or the sandbox's <c>from</c></param>
    public static SendCommand? Validate(SendRequest request, FieldErrors errors, DateTimeOffset now, string toField = "to")
    {
        var session = Required(request.Session, "session", errors);
        if (session is not null && !SessionId.IsValid(session))
            errors.Add("session", $"must be {SessionId.Rule}");

        var to = Required(request.To, toField, errors);
        var recipient = to is null ? null : Recipient.Parse(to);
        if (to is not null && recipient is null)
            errors.Add(toField, Recipient.Rule);

        var text = request.Text;
        if (text is not null && text.EnumerateRunes().Count() > MaxTextCharacters)
            errors.Add("text", $"must be at most {MaxTextCharacters} characters");

        // The type follows from which media fields are present, even when one held the wrong JSON type.
        var media = request.MediaFields();
        var present = media.Where(m => m.Url is not null || errors.Has(m.Field)).ToList();
        if (present.Count > 1)
            foreach (var m in present)
                errors.Add(m.Field, $"only one of {string.Join(", ", media.Select(f => f.Field))} may be given");
        MessageType? type = present.Count switch { 0 => MessageType.Text, 1 => present[0].Type, _ => null };
        if (request.Template is not null || errors.Has("template"))
            return ValidateTemplate(request, session, recipient, toField, present, errors, now);
        var (fallback, fallbackHeader) = request.FallbackTemplate is { } f ? TemplateRequestValidator.Validate(f, errors, "fallbackTemplate") : (null, null);

        var preview = ReadPreview(request.Preview, errors);
        var sendAt = request.SendAt is { } given ? ReadSendAt(given, now, errors) : null;
        var replyTo = request.ReplyTo is { } quoted ? ReadReplyTo(quoted, session, errors) : null;
        MediaReference? reference = null;
        if (type == MessageType.Text)
            CheckText(request, text, errors);
        else if (type is { } mediaType)
            reference = CheckMedia(request, mediaType, present[0].Field, present[0].Url, text, errors);

        return errors.Count == 0
            ? new SendCommand(session!, recipient!, type!.Value, text, reference, preview, sendAt, replyTo)
            {
                Fallback = fallback, FallbackHeader = fallbackHeader, Ordered = request.Ordered ?? true,
            }
            : null;
    }

    /// <summary>A template message: the template's own rules, and none of the fields of a text or media message.</summary>
    private static SendCommand? ValidateTemplate(SendRequest request, string? session, Recipient? recipient, string toField,
        IReadOnlyList<(string Field, MessageType Type, string? Url)> media, FieldErrors errors, DateTimeOffset now)
    {
        const string Alone = "is not taken with a template: the template has its own text and header";
        if (request.Text is not null)
            errors.Add("text", Alone);
        foreach (var m in media)
            errors.Add(m.Field, Alone);
        if (request.MimeType is not null)
            errors.Add("mimetype", Alone);
        if (request.FileName is not null)
            errors.Add("filename", Alone + " (a document header's name is template.header.filename)");
        if (request.Preview is not null)
            errors.Add("preview", Alone);
        if (request.FallbackTemplate is not null)
            errors.Add("fallbackTemplate", "is for a free-form message: a template is sent whether the chat's window is open or not");
        var sendAt = request.SendAt is { } given ? ReadSendAt(given, now, errors) : null;
        var replyTo = request.ReplyTo is { } quoted ? ReadReplyTo(quoted, session, errors) : null;
        var (template, header) = request.Template is { } t ? TemplateRequestValidator.Validate(t, errors) : (null, null);
        return errors.Count == 0 && template is not null
            ? new SendCommand(session!, recipient!, MessageType.Template, null, header, null, sendAt, replyTo) { Template = template, Ordered = request.Ordered ?? true }
            : null;
    }

    private static void CheckText(SendRequest request, string? text, FieldErrors errors)
    {
        if (VisibleText.IsEmpty(text) && !errors.Has("text"))
            errors.Add("text", "is required for a text message (no imageUrl, videoUrl, documentUrl or audioUrl given)");
        if (request.MimeType is not null)
            errors.Add("mimetype", "applies to media messages only");
        if (request.FileName is not null)
            errors.Add("filename", "applies to media messages only");
    }

    private static MediaReference? CheckMedia(SendRequest request, MessageType type, string field, string? given, string? text, FieldErrors errors)
    {
        var url = given is null ? null : ReadUrl(field, given, errors);
        if (request.MimeType is { } mimeType)
            CheckMimeType(mimeType, type, field, errors);
        if (request.FileName is { } fileName && (fileName.Length == 0 || fileName.Length > MaxFileNameLength))
            errors.Add("filename", $"must be 1 to {MaxFileNameLength} characters");
        if (type == MessageType.Ptt && text is not null)
            errors.Add("text", "a voice note (audioUrl) carries no caption");
        if (request.Preview is not null)
            errors.Add("preview", "applies to text messages only");
        return url is null ? null : new MediaReference(field, url, request.MimeType, request.FileName);
    }

    private static DateTimeOffset? ReadSendAt(string value, DateTimeOffset now, FieldErrors errors)
    {
        if (!ExplicitOffset().IsMatch(value)
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var sendAt))
            errors.Add("sendAt", "must be an ISO 8601 time with an offset, such as 2026-04-15T10:00:00Z");
        else if (sendAt < now + MinSchedule)
            errors.Add("sendAt", "must be at least 1 second ahead");
        else if (sendAt > now + MaxSchedule)
            errors.Add("sendAt", "must be at most 35 days ahead");
        else
            return sendAt;
        return null;
    }

    /// <summary>A message id of the sending session; whether the session has it is asked later (<see cref="Replies"/>).</summary>
    private static MessageId? ReadReplyTo(string value, string? session, FieldErrors errors)
    {
        if (!MessageId.TryParse(value, out var id))
            errors.Add("replyTo", "must be the id of a message of the session (msg_…), as /send, GET /messages or an event gives it");
        else if (session is not null && id.Session != session)
            errors.Add("replyTo", $"must be a message of session '{session}', not of another session");
        else
            return id;
        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex ExplicitOffset();

    private static string? Required(string? value, string field, FieldErrors errors)
    {
        if (!VisibleText.IsEmpty(value))
            return value;
        if (!errors.Has(field))
            errors.Add(field, "is required");
        return null;
    }

    internal static Uri? ReadUrl(string field, string value, FieldErrors errors)
    {
        if (value.Length > MaxUrlLength)
            errors.Add(field, $"must be at most {MaxUrlLength} characters");
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || url.Host.Length == 0)
            errors.Add(field, "must be an absolute http or https URL");
        else
            return url;
        return null;
    }

    private static void CheckMimeType(string mimeType, MessageType type, string field, FieldErrors errors)
    {
        if (!MediaTypeHeaderValue.TryParse(mimeType, out var parsed) || parsed.MediaType is not { } media
            || media.Split('/') is not [{ Length: > 0 } family, { Length: > 0 } subtype] || family == "*" || subtype == "*")
        {
            errors.Add("mimetype", "must be a MIME type such as image/jpeg");
            return;
        }
        if (type.RequiredMimeFamily() is { } required && !family.Equals(required, StringComparison.OrdinalIgnoreCase))
            errors.Add("mimetype", $"must be {required}/* for {field}, not '{media}'");
    }

    private static IReadOnlyDictionary<string, string>? ReadPreview(IReadOnlyDictionary<string, string?>? given, FieldErrors errors)
    {
        if (given is null)
            return null;
        var preview = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in given)
        {
            if (value is null && !errors.Has($"preview.{name}"))
                errors.Add($"preview.{name}", "must be a string, not null");
            else if (value is null)
                continue;
            else if (value.Length > MaxPreviewValueLength)
                errors.Add($"preview.{name}", $"must be at most {MaxPreviewValueLength} characters");
            else
                preview[name] = value;
        }
        if (given.Count > MaxPreviewFields)
            errors.Add("preview", $"must have at most {MaxPreviewFields} fields");
        return preview;
    }
}
