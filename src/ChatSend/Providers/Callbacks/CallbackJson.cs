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
