using System.Text.Json;

namespace ChatSend.Http;

/// <summary>
/// Reads a JSON request body into its wire record, field by field, so that one answer can name every bad field: a
/// field of the wrong JSON type, or text that is not valid Unicode, is named in the errors and left unset, and the
/// others are still read. In a string map (<c>preview</c>) each entry is read on its own in the same way. Property
/// names match exactly; a repeated property makes the body invalid; unknown properties are ignored.
/// </summary>
public static class JsonBody
{
    public const string Field = "body";

    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false };
    private static readonly JsonSerializerOptions Options = JsonSerializerOptions.Default;

    /// <summary>The JSON names of <typeparamref name="T"/>'s properties in declaration order, to list errors in.</summary>
    public static IReadOnlyList<string> FieldOrder<T>() => Options.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToList();

    public static Step<T> Read<T>(ReadOnlyMemory<byte> json, FieldErrors errors) where T : class
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Problems.Field(400, "The body is not valid JSON.", Field, ex.LineNumber is { } line
                ? $"is not valid JSON (line {line + 1}, byte {ex.BytePositionInLine + 1})"
                : "is not valid JSON (a property appears twice)");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(Field, "must be a JSON object");
                return Problems.Validation(errors.ToDictionary());
            }
            var type = Options.GetTypeInfo(typeof(T));
            var value = (T)type.CreateObject!();
            foreach (var property in type.Properties)
                if (document.RootElement.TryGetProperty(property.Name, out var element) && element.ValueKind != JsonValueKind.Null
                    && ReadValue(property.Name, property.PropertyType, element, errors) is { } read)
                    property.Set!(value, read);
            return value;
        }
    }

    private static object? ReadValue(string field, Type type, JsonElement element, FieldErrors errors)
    {
        if (type == typeof(string))
            return ReadString(field, element, errors);
        if (type == typeof(IReadOnlyDictionary<string, string>))
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                errors.Add(field, $"must be an object of string values, not {Describe(element.ValueKind)}");
                return null;
            }
            var map = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var entry in element.EnumerateObject())
                map[entry.Name] = entry.Value.ValueKind == JsonValueKind.Null ? null : ReadString($"{field}.{entry.Name}", entry.Value, errors);
            return map;
        }
        try
        {
            return element.Deserialize(type, Options);
        }
        catch (JsonException)
        {
            errors.Add(field, $"has the wrong JSON type ({Describe(element.ValueKind)})");
            return null;
        }
    }

    private static string? ReadString(string field, JsonElement element, FieldErrors errors)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, $"must be a string, not {Describe(element.ValueKind)}");
            return null;
        }
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            errors.Add(field, "must be valid Unicode text (it holds a lone surrogate)");
            return null;
        }
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
