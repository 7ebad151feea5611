using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ChatSend.Templates;

/// <summary>
/// One template of a session's catalogue, as <c>GET /sessions/{session}/templates</c> shows it: its name, language,
/// Meta's status and category, its body text, and the body's parameters (names when <c>named</c>, a count when
/// <c>positional</c>).
/// </summary>
public sealed partial record MessageTemplate(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("category")] string? Category,
    [property: JsonPropertyName("body")] string Body,
    [property: JsonPropertyName("parameterFormat")] string ParameterFormat,
    [property: JsonPropertyName("parameters")] IReadOnlyList<string> Parameters,
    [property: JsonPropertyName("parameterCount")] int ParameterCount)
{
    public const string Approved = "APPROVED";
    public const string Named = "named";
    public const string Positional = "positional";

    [JsonIgnore] public bool IsApproved => string.Equals(Status, Approved, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A template from its body text: <c>{{1}}</c>, <c>{{2}}</c>… are positional, <c>{{order_id}}</c> named (Meta's
    /// <c>parameter_format</c>, when given, decides; a body without parameters is positional with none).
    /// </summary>
    public static MessageTemplate Of(string name, string language, string status, string? category, string body, string? parameterFormat = null)
    {
        var found = Placeholder().Matches(body).Select(m => m.Groups[1].Value).Distinct().ToList();
        var named = parameterFormat is { } format
            ? format.Equals("NAMED", StringComparison.OrdinalIgnoreCase)
            : found.Any(p => !p.All(char.IsAsciiDigit));
        return named
            ? new(name, language, status, category, body, Named, found, found.Count)
            : new(name, language, status, category, body, Positional, [],
                found.Select(p => int.TryParse(p, out var n) ? n : 0).DefaultIfEmpty(0).Max());
    }

    /// <summary>The body with the values in place of its placeholders; a placeholder without a value stays as it is.</summary>
    public string Fill(SendTemplate template) => Placeholder().Replace(Body, m =>
    {
        var key = m.Groups[1].Value;
        if (template.Named?.GetValueOrDefault(key) is { } value)
            return value;
        return template.Positional is { } values && int.TryParse(key, out var n) && n >= 1 && n <= values.Count ? values[n - 1] : m.Value;
    });

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Placeholder();
}

/// <summary>The answer of <c>GET /sessions/{session}/templates</c>.</summary>
public sealed record TemplateList([property: JsonPropertyName("templates")] IReadOnlyList<MessageTemplate> Templates);
