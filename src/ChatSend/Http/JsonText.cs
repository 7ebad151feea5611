using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace ChatSend.Http;

/// <summary>
/// Finds text in a parsed JSON document that is not Unicode. System.Text.Json parses string values and property names
/// without decoding them, so bytes that are not UTF-8 and escaped lone surrogates (<c>"\ud800"</c>) only fail when
/// the text is read; these checks find them up front, wherever they are, and say which of the two it is.
/// </summary>
public static class JsonText
{
    private const string NotUtf8 = "bytes that are not UTF-8";
    private const string LoneSurrogate = "a lone surrogate";

    /// <summary>Why a string value cannot be read as Unicode text, or null when it can.</summary>
    public static string? StringProblem(JsonElement value)
    {
        if (!Utf8.IsValid(JsonMarshal.GetRawUtf8Value(value)))
            return NotUtf8;
        try
        {
            value.GetString();
            return null;
        }
        catch (InvalidOperationException)
        {
            return LoneSurrogate;
        }
    }

    /// <summary>Why a property name cannot be read as Unicode text, or null when it can.</summary>
    public static string? NameProblem(JsonProperty property)
    {
        if (!Utf8.IsValid(JsonMarshal.GetRawUtf8PropertyName(property)))
            return NotUtf8;
        try
        {
            _ = property.Name;
            return null;
        }
        catch (InvalidOperationException)
        {
            return LoneSurrogate;
        }
    }

    /// <summary>The first reason any name or string in the value is not Unicode text, or null when all are.</summary>
    public static string? Problem(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => StringProblem(value),
        JsonValueKind.Object => value.EnumerateObject().Select(p => NameProblem(p) ?? Problem(p.Value)).FirstOrDefault(p => p is not null),
        JsonValueKind.Array => value.EnumerateArray().Select(Problem).FirstOrDefault(p => p is not null),
        _ => null,
    };

    /// <summary>Whether some object in the value has a property twice (names compared after unescaping; unreadable names are skipped).</summary>
    public static bool HasRepeatedProperty(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => HasRepeatedName(value) || value.EnumerateObject().Any(p => HasRepeatedProperty(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().Any(HasRepeatedProperty),
        _ => false,
    };

    public static string ValueMessage(string problem) => $"must be valid Unicode text (it holds {problem})";

    private static bool HasRepeatedName(JsonElement value)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        return value.EnumerateObject().Any(p => NameProblem(p) is null && !names.Add(p.Name));
    }
}
