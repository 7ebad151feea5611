using System.Net.Http.Headers;
using System.Text.Json;
using ChatSend.Http;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Send;

/// <summary>Reads and validates the body of <c>POST /send</c>; every problem names the field at fault.</summary>
public static class SendRequestReader
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxTextCharacters = 4096;
    public const int MaxUrlLength = 2048;
    public const int MaxFileNameLength = 255;
    public const int MaxPreviewFields = 16;
    public const int MaxPreviewValueLength = 2048;

    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false };

    public static async Task<(SendCommand? Command, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
            return (null, Problems.Field(StatusCodes.Status415UnsupportedMediaType, "The body must be JSON.", "Content-Type",
                $"must be application/json, not '{request.ContentType}'"));

        var body = request.ContentLength is null or <= MaxBodyBytes ? await ReadLimitedAsync(request.Body, cancellationToken) : null;
        if (body is null)
            return (null, Problems.Field(StatusCodes.Status413PayloadTooLarge, "The body is too large.", "body",
                $"must be at most {MaxBodyBytes} bytes"));

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return (null, Problems.Field(StatusCodes.Status400BadRequest, "The body is not valid JSON.", "body",
                $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
        }

        using (document)
        {
            var errors = new Errors();
            var command = Validate(document.RootElement, errors);
            return errors.Count == 0 && command is not null ? (command, null) : (null, Problems.Validation(errors.ToDictionary()));
        }
    }

    /// <summary>Validates a parsed body and infers the message type; returns null with <paramref name="errors"/> filled when invalid.</summary>
    public static SendCommand? Validate(JsonElement root, Errors errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "must be a JSON object");
            return null;
        }

        var session = ReadString(root, "session", errors, required: true);
        if (session is not null && !SessionId.IsValid(session))
            errors.Add("session", $"must be {SessionId.Rule}");

        var to = ReadString(root, "to", errors, required: true);
        var recipient = to is null ? null : Recipient.Parse(to);
        if (to is not null && recipient is null)
            errors.Add("to", Recipient.Rule);

        var text = ReadString(root, "text", errors);
        if (text is not null && text.EnumerateRunes().Count() > MaxTextCharacters)
            errors.Add("text", $"must be at most {MaxTextCharacters} characters");

        // The type follows from which media fields are present, even when one holds the wrong JSON type.
        var media = MessageType.MediaFields
            .Where(m => root.TryGetProperty(m.Field, out var v) && v.ValueKind != JsonValueKind.Null)
            .Select(m => (m.Field, m.Type, Url: ReadString(root, m.Field, errors)))
            .ToList();
        if (media.Count > 1)
            foreach (var m in media)
                errors.Add(m.Field, $"only one of {string.Join(", ", MessageType.MediaFields.Select(f => f.Field))} may be given");

        // With more than one media field the type is ambiguous: report that alone, not what each type would need.
        var type = media.Count switch { 0 => MessageType.Text, 1 => media[0].Type, _ => null };
        var mimeType = ReadString(root, "mimetype", errors);
        var fileName = ReadString(root, "filename", errors);
        var preview = ReadPreview(root, errors);

        MediaReference? reference = null;
        if (type == MessageType.Text)
        {
            if (string.IsNullOrWhiteSpace(text) && !errors.Has("text"))
                errors.Add("text", "is required for a text message (no imageUrl, videoUrl, documentUrl or audioUrl given)");
            if (mimeType is not null)
                errors.Add("mimetype", "applies to media messages only");
            if (fileName is not null)
                errors.Add("filename", "applies to media messages only");
        }
        else if (type is not null)
        {
            var (field, url) = (media[0].Field, media[0].Url is { } given ? ReadUrl(media[0].Field, given, errors) : null);
            if (mimeType is not null)
                CheckMimeType(mimeType, type, field, errors);
            if (fileName is not null && (fileName.Length == 0 || fileName.Length > MaxFileNameLength))
                errors.Add("filename", $"must be 1 to {MaxFileNameLength} characters");
            if (type == MessageType.Ptt && text is not null)
                errors.Add("text", "a voice note (audioUrl) carries no caption");
            if (preview is not null)
                errors.Add("preview", "applies to text messages only");
            if (url is not null)
                reference = new MediaReference(field, url, mimeType, fileName);
        }

        return errors.Count == 0
            ? new SendCommand(session!, recipient!, type!, text, reference, preview)
            : null;
    }

    private static string? ReadString(JsonElement root, string field, Errors errors, bool required = false)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                errors.Add(field, "is required");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, $"must be a string, not {Describe(value.ValueKind)}");
            return null;
        }
        var text = value.GetString()!;
        if (required && string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "is required");
            return null;
        }
        return text;
    }

    private static Uri? ReadUrl(string field, string value, Errors errors)
    {
        if (value.Length > MaxUrlLength)
            errors.Add(field, $"must be at most {MaxUrlLength} characters");
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || url.Host.Length == 0)
            errors.Add(field, "must be an absolute http or https URL");
        else
            return url;
        return null;
    }

    private static void CheckMimeType(string mimeType, string type, string field, Errors errors)
    {
        if (!MediaTypeHeaderValue.TryParse(mimeType, out var parsed) || parsed.MediaType is not { } media
            || media.Split('/') is not [{ Length: > 0 } family, { Length: > 0 } subtype] || family == "*" || subtype == "*")
        {
            errors.Add("mimetype", "must be a MIME type such as image/jpeg");
            return;
        }
        if (MessageType.RequiredMimeFamily(type) is { } required && !family.Equals(required, StringComparison.OrdinalIgnoreCase))
            errors.Add("mimetype", $"must be {required}/* for {field}, not '{media}'");
    }

    private static IReadOnlyDictionary<string, string>? ReadPreview(JsonElement root, Errors errors)
    {
        if (!root.TryGetProperty("preview", out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add("preview", $"must be an object of string values, not {Describe(value.ValueKind)}");
            return null;
        }
        var preview = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                errors.Add($"preview.{property.Name}", $"must be a string, not {Describe(property.Value.ValueKind)}");
            else if (property.Value.GetString()!.Length > MaxPreviewValueLength)
                errors.Add($"preview.{property.Name}", $"must be at most {MaxPreviewValueLength} characters");
            else
                preview[property.Name] = property.Value.GetString()!;
        }
        if (preview.Count > MaxPreviewFields)
            errors.Add("preview", $"must have at most {MaxPreviewFields} fields");
        return preview;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType is { } media
        && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Reads the body, or returns null as soon as it passes the limit, whatever Content-Length said.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Validation errors by field, in the order found.</summary>
    public sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public int Count => _errors.Count;

        public void Add(string field, string message)
        {
            if (!_errors.TryGetValue(field, out var list))
                _errors[field] = list = [];
            if (!list.Contains(message))
                list.Add(message);
        }

        public bool Has(string field) => _errors.ContainsKey(field);

        public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }
}
