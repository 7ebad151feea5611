using System.Net.Http;
using System.Net.Sockets;
using Azure;
using Azure.Identity;

namespace ChatSend.Health;

/// <summary>
/// Why a storage call failed, in words safe for an unauthenticated caller: a status and error code, or the kind of
/// network failure. Never a message, which may carry an endpoint, a URL with a signature or a request's headers.
/// </summary>
public static class HealthFailures
{
    public static string Describe(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions: [var first, ..] } => Describe(first),
        RequestFailedException { Status: > 0 } failed => $"answered {failed.Status} {failed.ErrorCode}".TrimEnd(),
        RequestFailedException { InnerException: { } inner } => Describe(inner),
        AuthenticationFailedException => "refused the app's identity (no token)",
        SocketException socket => $"unreachable ({socket.SocketErrorCode})",
        HttpRequestException { InnerException: SocketException socket } => $"unreachable ({socket.SocketErrorCode})",
        HttpRequestException http => $"unreachable ({http.HttpRequestError})",
        OperationCanceledException or TimeoutException => "timed out",
        _ => $"failed ({exception.GetType().Name})",
    };
}
