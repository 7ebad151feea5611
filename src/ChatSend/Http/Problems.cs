using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace ChatSend.Http;

/// <summary>
/// Every error ChatSend answers, as RFC 9457 problem details. Problems about the request carry an
/// <c>errors</c> object keyed by the field (or header) at fault, the shape ASP.NET Core uses for validation.
/// </summary>
public static class Problems
{
    public const int StorageRetryAfterSeconds = 5;

    public static ProblemHttpResult Validation(IReadOnlyDictionary<string, string[]> errors) =>
        Fields(StatusCodes.Status400BadRequest, "The request is not valid.", errors);

    public static ProblemHttpResult Field(int status, string title, string field, string message) =>
        Fields(status, title, new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult Unauthorized(HttpContext context)
    {
        context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return Problem(StatusCodes.Status401Unauthorized, "A valid API key is required.",
            "Send the API key as 'Authorization: Bearer <key>'.");
    }

    public static ProblemHttpResult SessionForbidden(string session) =>
        Field(StatusCodes.Status403Forbidden, "This API key may not send for this session.", "session",
            $"the API key is not scoped to session '{session}'");

    public static ProblemHttpResult SessionNotFound(string session) =>
        Field(StatusCodes.Status404NotFound, "The session does not exist.", "session", $"no session '{session}' is registered");

    public static ProblemHttpResult SessionDisabled(string session) =>
        Field(StatusCodes.Status409Conflict, "The session is disabled.", "session", $"session '{session}' is disabled and cannot send");

    public static ProblemHttpResult MessageNotFound() =>
        Problem(StatusCodes.Status404NotFound, "The message does not exist.", "No message with this id is visible to this API key.");

    public const int MediaPendingRetryAfterSeconds = 2;

    /// <summary>The message has no file to serve: none at all, one that could not be fetched (why), or one no longer kept.</summary>
    public static ProblemHttpResult MediaNotFound(string detail) =>
        Problem(StatusCodes.Status404NotFound, "The message has no file.", detail);

    /// <summary>A customer's file is still being fetched: ask again shortly, or wait for the message's received event.</summary>
    public static ProblemHttpResult MediaPending(HttpContext context)
    {
        context.Response.Headers[HeaderNames.RetryAfter] = MediaPendingRetryAfterSeconds.ToString();
        return Problem(StatusCodes.Status409Conflict, "The file is still being fetched.",
            "The customer's file is being fetched from the provider; the message's received event is sent once it is settled.");
    }

    public static ProblemHttpResult StorageUnavailable(HttpContext context)
    {
        context.Response.Headers[HeaderNames.RetryAfter] = StorageRetryAfterSeconds.ToString();
        return Problem(StatusCodes.Status503ServiceUnavailable, "Storage is unavailable.",
            "The message was not accepted and nothing was kept; retry the same request later.");
    }

    /// <summary>
    /// The provider could not be reached, timed out, or is briefly failing (429, 5xx): nothing changed, and the same request
    /// may be sent again after <c>Retry-After</c> (the provider's own when it gave one, else 5 s).
    /// </summary>
    public static ProblemHttpResult ProviderUnavailable(HttpContext context, string provider, string reason, TimeSpan? retryAfter)
    {
        var seconds = retryAfter is { } wait ? (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, 3600) : StorageRetryAfterSeconds;
        context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString();
        return Problem(StatusCodes.Status503ServiceUnavailable, "The provider is unavailable.",
            $"Provider {provider} did not do it ({reason}). Nothing changed; retry the same request later.");
    }

    /// <summary>The provider refused, for a reason retrying will not change (its token, its session, the id it was given).</summary>
    public static ProblemHttpResult ProviderRefused(string provider, string reason) =>
        Problem(StatusCodes.Status502BadGateway, "The provider refused the request.",
            $"Provider {provider} refused it: {reason}. Nothing changed.");

    /// <summary>An error of ChatSend's own: no detail for the client, only the trace id to find it in the logs.</summary>
    public static ProblemHttpResult Unexpected(string traceId) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status500InternalServerError,
            Title = "An unexpected error occurred.",
            Type = "https://tools.ietf.org/html/rfc9110#section-15.6.1",
            Extensions = { ["traceId"] = traceId },
        });

    /// <summary>The problem type of a free-form message refused outside the chat's 24-hour window.</summary>
    public const string WindowClosedType = "https://chatsend.dev/problems/window-closed";

    /// <summary>
    /// A free-form message to a chat whose 24-hour window is closed (or will be, at the message's <c>sendAt</c>): names
    /// <c>to</c> and gives <c>windowOpenUntil</c>, when the window closed or closes (null: the customer never wrote).
    /// </summary>
    public static ProblemHttpResult WindowClosed(DateTimeOffset? windowOpenUntil, bool scheduled)
    {
        var why = windowOpenUntil is null ? "this customer has not written to the session"
            : scheduled ? $"the customer's 24-hour window closes at {windowOpenUntil.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}, before sendAt"
            : $"the customer's 24-hour window closed at {windowOpenUntil.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
        var message = $"{why}; only a template may be sent (give fallbackTemplate to send one instead)";
        return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["to"] = [message] })
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The chat's 24-hour window is closed.",
            Type = WindowClosedType,
            Detail = "to: " + message,
            Extensions = { ["windowOpenUntil"] = windowOpenUntil },
        });
    }

    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    private static ProblemHttpResult Fields(int status, string title, IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary())
        {
            Status = status,
            Title = title,
            Detail = string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))),
        });
}
