using System.Text.Json;
using System.Text.RegularExpressions;
using ChatSend.Http;
using ChatSend.Send;

namespace ChatSend.Templates;

/// <summary>
/// The shape of <c>template</c> on <c>/send</c> (400 naming <c>template.…</c>): whether the account has the template
/// and its parameters fit is asked later, of the session's catalogue (<see cref="TemplateCheck"/>).
/// </summary>
public static partial class TemplateRequestValidator
{
    public const int MaxNameLength = 512;
    public const int MaxParameters = 100;
    public const int MaxParameterLength = 1024;
    public const int MaxHeaderText = 60;
    public const int MaxButtons = 10;

    /// <param name="field">where the template sits in the request: <c>template</c></param>
    public static (SendTemplate? Template, MediaReference? HeaderMedia) Validate(TemplateRequest request, FieldErrors errors, string field = "template")
    {
        var before = errors.Count;
        var name = request.Name;
        if (string.IsNullOrWhiteSpace(name))
            Add(errors, $"{field}.name", "is required: the name of an approved template");
        else if (name.Length > MaxNameLength)
            errors.Add($"{field}.name", $"must be at most {MaxNameLength} characters");
        var language = request.Language;
        if (string.IsNullOrWhiteSpace(language))
            Add(errors, $"{field}.language", "is required: the template's language code, such as en_US");
        else if (!LanguageCode().IsMatch(language))
            errors.Add($"{field}.language", "must be a language code such as en or en_US");

        var (named, positional) = ReadParameters(request.Parameters, $"{field}.parameters", errors);
        var (headerType, headerText, media) = ReadHeader(request.Header, $"{field}.header", errors);
        var buttons = ReadButtons(request.Buttons, $"{field}.buttons", errors);
        return errors.Count == before
            ? (new SendTemplate(name!, language!, named, positional, headerType, headerText, buttons), media)
            : (null, null);
    }

    private static (IReadOnlyDictionary<string, string>?, IReadOnlyList<string>?) ReadParameters(JsonElement? given, string field, FieldErrors errors)
    {
        if (given is not { } element || element.ValueKind == JsonValueKind.Null)
            return (null, null);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var named = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var p in element.EnumerateObject())
                {
                    if (!ParameterName().IsMatch(p.Name))
                        errors.Add(field, $"'{p.Name}' is not a parameter name (lower-case letters, digits and underscores)");
                    else if (Value(p.Value, $"{field}.{p.Name}", errors) is { } value)
                        named[p.Name] = value;
                }
                if (named.Count > MaxParameters)
                    errors.Add(field, $"must have at most {MaxParameters} values");
                return (named, null);
            case JsonValueKind.Array:
                var positional = new List<string>();
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    positional.Add(Value(item, $"{field}[{i++}]", errors) ?? "");
                if (positional.Count > MaxParameters)
                    errors.Add(field, $"must have at most {MaxParameters} values");
                return (null, positional);
            default:
                errors.Add(field, "must be an object of named values or an array of positional values (strings)");
                return (null, null);
        }
    }

    private static string? Value(JsonElement value, string field, FieldErrors errors)
    {
        if (value.ValueKind != JsonValueKind.String)
            errors.Add(field, "must be a string");
        else if (value.GetString() is not { Length: > 0 and <= MaxParameterLength } text || string.IsNullOrWhiteSpace(text))
            errors.Add(field, $"must be 1 to {MaxParameterLength} characters, not blank");
        else
            return text;
        return null;
    }

    private static (MessageType?, string?, MediaReference?) ReadHeader(TemplateHeaderRequest? header, string field, FieldErrors errors)
    {
        if (header is null)
            return (null, null, null);
        (string Field, MessageType Type, string? Url)[] media =
        [
            ("imageUrl", MessageType.Image, header.ImageUrl),
            ("videoUrl", MessageType.Video, header.VideoUrl),
            ("documentUrl", MessageType.Document, header.DocumentUrl),
        ];
        var present = media.Where(m => m.Url is not null).ToList();
        if (present.Count + (header.Text is null ? 0 : 1) != 1)
        {
            errors.Add(field, "must have exactly one of imageUrl, videoUrl, documentUrl or text");
            return (null, null, null);
        }
        if (header.FileName is not null && (present is not [{ Type: MessageType.Document }]
                || header.FileName.Length is 0 or > SendRequestValidator.MaxFileNameLength))
            errors.Add($"{field}.filename", $"applies to a documentUrl header only, 1 to {SendRequestValidator.MaxFileNameLength} characters");
        if (header.Text is { } text)
        {
            if (string.IsNullOrWhiteSpace(text) || text.Length > MaxHeaderText)
                errors.Add($"{field}.text", $"must be 1 to {MaxHeaderText} characters, not blank");
            return (null, text, null);
        }
        var (name, type, value) = present[0];
        return SendRequestValidator.ReadUrl($"{field}.{name}", value!, errors) is { } url
            ? (type, null, new MediaReference($"{field}.{name}", url, null, header.FileName))
            : (type, null, null);
    }

    private static IReadOnlyList<TemplateButton> ReadButtons(IReadOnlyList<TemplateButtonRequest>? given, string field, FieldErrors errors)
    {
        if (given is null)
            return [];
        if (given.Count > MaxButtons)
            errors.Add(field, $"must have at most {MaxButtons} buttons");
        var buttons = new List<TemplateButton>();
        for (var i = 0; i < given.Count; i++)
        {
            var b = given[i];
            var at = $"{field}[{i}]";
            if (b is null)
                errors.Add(at, "must be an object");
            else if (b.Index is not { } index || index is < 0 or >= MaxButtons)
                errors.Add($"{at}.index", $"is required: the button's place in the template, 0 to {MaxButtons - 1}");
            else if ((b.Payload is null) == (b.Text is null))
                errors.Add(at, "must have exactly one of payload (a quick-reply button) or text (a URL button's variable part)");
            else if ((b.Payload ?? b.Text) is not { Length: > 0 and <= 128 } value || string.IsNullOrWhiteSpace(value))
                errors.Add($"{at}.{(b.Payload is null ? "text" : "payload")}", "must be 1 to 128 characters, not blank");
            else if (buttons.Any(x => x.Index == index))
                errors.Add($"{at}.index", $"button {index} is given twice");
            else
                buttons.Add(new TemplateButton(index, b.Payload, b.Text));
        }
        return buttons;
    }

    private static void Add(FieldErrors errors, string field, string message)
    {
        if (!errors.Has(field))
            errors.Add(field, message);
    }

    [GeneratedRegex("^[a-z]{2,3}(_[A-Za-z0-9]{2,8})?$")]
    private static partial Regex LanguageCode();

    [GeneratedRegex("^[a-z0-9_]{1,64}$")]
    private static partial Regex ParameterName();
}
