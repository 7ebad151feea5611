using System.Text.Json;

namespace ChatSend.Http;

/// <summary>
/// Reads a JSON request body into its wire record. A field of the wrong JSON type is named in the errors and left
/// unset, and the others are still read, so one answer can name every bad field. Property names match exactly;
/// a repeated property makes the body invalid.
/// </summary>
public static class JsonBody
{
    public const string Field = "body";

    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false };
    private static readonly JsonSerializerOptions Options = new() { AllowDuplicateProperties = false };

    public static Step<T> Read<T>(ReadOnlyMemory<byte> json, FieldErrors errors) where T : class
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Problems.Field(400, "The body is not valid JSON.", Field,
                $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(Field, "must be a JSON object");
                return Problems.Validation(errors.ToDictionary());
            }
            try
            {
                return document.RootElement.Deserialize<T>(Options)!;
            }
            catch (JsonException)
            {
                return ReadEachField<T>(document.RootElement, errors);
            }
        }
    }

    private static T ReadEachField<T>(JsonElement root, FieldErrors errors)
    {
        var type = Options.GetTypeInfo(typeof(T));
        var value = (T)type.CreateObject!();
        foreach (var property in type.Properties)
        {
            if (!root.TryGetProperty(property.Name, out var element) || element.ValueKind == JsonValueKind.Null)
                continue;
            try
            {
                property.Set!(value, element.Deserialize(property.PropertyType, Options));
            }
            catch (JsonException)
            {
                AddTypeErrors(property.Name, property.PropertyType, element, errors);
            }
        }
        return value;
    }

    private static void AddTypeErrors(string field, Type type, JsonElement element, FieldErrors errors)
    {
        var stringMap = type == typeof(IReadOnlyDictionary<string, string>);
        if (type == typeof(string))
            errors.Add(field, $"must be a string, not {Describe(element.ValueKind)}");
        else if (stringMap && element.ValueKind == JsonValueKind.Object)
            foreach (var entry in element.EnumerateObject().Where(e => e.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)))
                errors.Add($"{field}.{entry.Name}", $"must be a string, not {Describe(entry.Value.ValueKind)}");
        else if (stringMap)
            errors.Add(field, $"must be an object of string values, not {Describe(element.ValueKind)}");
        else
            errors.Add(field, $"has the wrong JSON type ({Describe(element.ValueKind)})");
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
