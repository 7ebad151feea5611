using System.Diagnostics;
using ChatSend.Auth;
using ChatSend.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace ChatSend.Http;

/// <summary>
/// What stands in front of every route in both hosts: the refusal of a request whose framing is ambiguous, the API
/// key check for routes that need one, and the translation of anything a handler throws into problem details
/// (storage down → 503 with Retry-After; a body the server could not read → its 4xx; anything else → 500 with a
/// trace id and no detail). The local host runs it as an endpoint filter, the Functions app as worker middleware.
/// </summary>
public sealed partial class ApiGate(ApiKeyStore keys, ILogger<ApiGate> logger)
{
    private const string BearerScheme = "Bearer ";
    private const string KestrelMovedContentLength = "X-Content-Length";

    /// <param name="canceled">what cancels the handler besides the client going away (in Functions, the invocation's token)</param>
    public async Task<object?> InvokeAsync(HttpContext context, ApiEndpoint endpoint, Func<Task<object?>> handler, CancellationToken canceled = default)
    {
        try
        {
            if (AmbiguousFraming(context) is { } ambiguous)
                return ambiguous;
            if (endpoint.Authenticated && await AuthenticateAsync(context) is { } refusal)
                return refusal;
            return await handler();
        }
        catch (Exception ex)
        {
            return ToProblem(context, ex, canceled);
        }
    }

    /// <summary>
    /// Refuses a request that has both Content-Length and Transfer-Encoding, and closes its connection: a proxy in front
    /// may have framed it by the other header (request smuggling, RFC 9112 section 6.3). Kestrel reads such a request as
    /// chunked and passes its Content-Length on as X-Content-Length; other servers may pass both headers on.
    /// </summary>
    private ProblemHttpResult? AmbiguousFraming(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (StringValues.IsNullOrEmpty(headers.TransferEncoding)
            || (headers.ContentLength is null && !headers.ContainsKey(KestrelMovedContentLength)))
            return null;
        LogUnreadableRequest(StatusCodes.Status400BadRequest, "both Content-Length and Transfer-Encoding");
        context.Response.Headers.Connection = "close";
        return Problems.Field(StatusCodes.Status400BadRequest, "The request framing is ambiguous.", HeaderNames.TransferEncoding,
            "must not be sent with Content-Length");
    }

    /// <summary>Puts the key's scope on the request, or returns the 401 to answer instead.</summary>
    public async Task<IResult?> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers[HeaderNames.Authorization].ToString();
        var scope = header.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase)
            ? await keys.AuthenticateAsync(header[BearerScheme.Length..].Trim(), context.RequestAborted)
            : null;
        if (scope is null)
            return Problems.Unauthorized(context);
        context.Features.Set(scope);
        return null;
    }

    public IResult ToProblem(HttpContext context, Exception exception, CancellationToken canceled = default)
    {
        switch (exception)
        {
            case BadHttpRequestException bad:
                LogUnreadableRequest(bad.StatusCode, bad.Message);
                return Problems.Field(bad.StatusCode, "The request could not be read.", "body", bad.Message);
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                LogAborted();
                return Problems.Problem(StatusCodes.Status400BadRequest, "The request was aborted.", "The client went away.");
            case OperationCanceledException when canceled.IsCancellationRequested:
                LogCanceled();
                context.Response.Headers.RetryAfter = Problems.StorageRetryAfterSeconds.ToString();
                return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "The request was canceled.",
                    "The server stopped the request before it finished (it may be shutting down); retry it.");
            case var _ when StorageFailure.IsStorageFailure(exception, context.RequestAborted):
                LogStorageUnavailable(StorageFailure.Describe(exception));
                return Problems.StorageUnavailable(context);
            default:
                var traceId = Activity.Current?.Id ?? context.TraceIdentifier;
                LogUnhandled(traceId, exception);
                return Problems.Unexpected(traceId);
        }
    }

    [LoggerMessage(LogLevel.Information, "Request could not be read ({Status}): {Reason}")]
    private partial void LogUnreadableRequest(int status, string reason);

    [LoggerMessage(LogLevel.Debug, "Request aborted by the client")]
    private partial void LogAborted();

    [LoggerMessage(LogLevel.Information, "Request canceled by the host before it finished; answered 503")]
    private partial void LogCanceled();

    // The reason only: during an outage every request fails the same way, and a stack each would bury the log.
    [LoggerMessage(LogLevel.Warning, "Storage unavailable ({Reason}); answered 503")]
    private partial void LogStorageUnavailable(string reason);

    [LoggerMessage(LogLevel.Error, "Unhandled error; answered 500 with trace id {TraceId}")]
    private partial void LogUnhandled(string traceId, Exception exception);
}

/// <summary>For the local host's exception handler middleware: what escapes before a route's filter runs.</summary>
public sealed class ApiExceptionHandler(ApiGate gate) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        await gate.ToProblem(context, exception).ExecuteAsync(context);
        return true;
    }
}

public static class ApiKeyScopeHttpContextExtensions
{
    /// <summary>The scope <see cref="ApiGate"/> authenticated; a route that reads it must be declared authenticated.</summary>
    public static ApiKeyScope GetApiKeyScope(this HttpContext context) =>
        context.Features.Get<ApiKeyScope>()
        ?? throw new InvalidOperationException("The route is not behind API key authentication; declare it Authenticated in ApiEndpoints.");
}
