using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Providers.Callbacks;

/// <summary>Reading providers' callback bodies into their typed records.</summary>
public static class CallbackJson
{
    /// <summary>The body as the provider documents it, or null when it is not JSON or not of that shape.</summary>
    public static T? Read<T>(byte[] body, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The items of a list that are of the documented shape; the others are skipped.</summary>
    public static IEnumerable<T> ReadEach<T>(IReadOnlyList<JsonElement>? items, JsonTypeInfo<T> type) where T : class =>
        (items ?? []).Select(item => Read(item, type)).OfType<T>();

    /// <summary>A JSON string's value, or null for anything else (a field ChatSend only shows, whatever its shape).</summary>
    public static string? Text(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    /// <summary>A part of a body, as the provider documents it, or null when it is of another shape.</summary>
    public static T? Read<T>(JsonElement element, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return element.Deserialize(type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The answers callbacks share.</summary>
public static class CallbackProblems
{
    public static ProblemHttpResult TooLarge() =>
        Problems.Problem(StatusCodes.Status413PayloadTooLarge, "The webhook body is too large.", $"At most {CallbackPipeline.MaxBodyBytes} bytes.");

    public static ProblemHttpResult NotJson() =>
        Problems.Field(StatusCodes.Status400BadRequest, "The webhook body is not JSON.", JsonBody.Field, "is not valid JSON");
}
