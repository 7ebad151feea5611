using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Http;

/// <summary>
/// Reads a JSON request body into its wire record, field by field, so that one answer can name every bad field: a
/// field of the wrong JSON type, or text that is not valid Unicode, is named in the errors and left unset, and the
/// others are still read. In a string map (<c>preview</c>) each entry is read on its own in the same way. Property
/// names match exactly; a repeated property makes the body invalid; unknown properties are ignored, except that
/// their names and text must be Unicode like the rest of the body (I-JSON, RFC 7493): a bad unknown field is named,
/// a name that cannot be read is put on <c>body</c>.
/// </summary>
public static class JsonBody
{
    public const string Field = "body";

    private static readonly JsonSerializerOptions Options = JsonSerializerOptions.Default;

    /// <summary>The JSON names of <typeparamref name="T"/>'s properties in declaration order, to list errors in.</summary>
    public static IReadOnlyList<string> FieldOrder<T>() => Options.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToList();

    public static Step<T> Read<T>(ReadOnlyMemory<byte> json, FieldErrors errors) where T : class
    {
        JsonDocument document;
        try
        {
            // Repeated properties are found below: the parser's own check throws on a name with a lone surrogate.
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            return NotJson($"is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add(Field, "must be a JSON object");
                return Problems.Validation(errors.ToDictionary());
            }
            if (JsonText.HasRepeatedProperty(root))
                return NotJson("is not valid JSON (a property appears twice)");
            var type = Options.GetTypeInfo(typeof(T));
            var value = (T)type.CreateObject!();
            foreach (var member in root.EnumerateObject())
                ReadMember(type, value, member, errors);
            return value;
        }
    }

    private static ProblemHttpResult NotJson(string message) => Problems.Field(400, "The body is not valid JSON.", Field, message);

    /// <summary>Sets a known property; an unknown one is ignored, but its name and text must be Unicode like the rest of the body.</summary>
    private static void ReadMember(JsonTypeInfo type, object target, JsonProperty member, FieldErrors errors)
    {
        if (JsonText.NameProblem(member) is { } badName)
        {
            errors.Add(Field, $"has a property name that is not valid Unicode text (it holds {badName})");
            return;
        }
        if (type.Properties.FirstOrDefault(p => p.Name == member.Name) is not { } property)
        {
            if (JsonText.Problem(member.Value) is { } badText)
                errors.Add(member.Name, JsonText.ValueMessage(badText));
            return;
        }
        if (member.Value.ValueKind != JsonValueKind.Null && ReadValue(member.Name, property.PropertyType, member.Value, errors) is { } read)
            property.Set!(target, read);
    }

    private static object? ReadValue(string field, Type type, JsonElement element, FieldErrors errors)
    {
        if (type == typeof(string))
            return ReadString(field, element, errors);
        if (type == typeof(IReadOnlyDictionary<string, string>))
            return ReadStringMap(field, element, errors);
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

    private static Dictionary<string, string?>? ReadStringMap(string field, JsonElement element, FieldErrors errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(field, $"must be an object of string values, not {Describe(element.ValueKind)}");
            return null;
        }
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var entry in element.EnumerateObject())
        {
            if (JsonText.NameProblem(entry) is { } badKey)
                errors.Add(field, $"has a key that is not valid Unicode text (it holds {badKey})");
            else
                map[entry.Name] = entry.Value.ValueKind == JsonValueKind.Null ? null : ReadString($"{field}.{entry.Name}", entry.Value, errors);
        }
        return map;
    }

    private static string? ReadString(string field, JsonElement element, FieldErrors errors)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, $"must be a string, not {Describe(element.ValueKind)}");
            return null;
        }
        if (JsonText.StringProblem(element) is { } problem)
        {
            errors.Add(field, JsonText.ValueMessage(problem));
            return null;
        }
        return element.GetString();
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
