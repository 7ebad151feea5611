using System.Net.Sockets;
using Azure;

namespace ChatSend.Storage;

/// <summary>Tells storage outages (answered 503, retried by queues) from programming errors.</summary>
public static class StorageFailure
{
    public static bool IsStorageFailure(Exception exception, CancellationToken requestAborted = default) => exception switch
    {
        // Kestrel's "the request body could not be read" is an IOException too, but the client's fault.
        Microsoft.AspNetCore.Http.BadHttpRequestException => false,
        RequestFailedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(e => IsStorageFailure(e, requestAborted)),
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        // The storage client's network timeout surfaces as a cancellation the caller did not ask for.
        OperationCanceledException => !requestAborted.IsCancellationRequested,
        _ => false,
    };

    /// <summary>The root cause in a few words ("Connection refused (127.0.0.1:10002)"), for logs and operators.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions: [var first, ..] } => Describe(first),
        RequestFailedException { Status: 0, InnerException: { } inner } => Describe(inner),
        RequestFailedException failed => $"{failed.Status} {failed.ErrorCode}".Trim(),
        _ => exception.GetBaseException().Message,
    };
}
