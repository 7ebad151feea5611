using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Client.Http;

/// <summary>
/// Retries what is safe to repeat: <c>GET</c>, <c>DELETE</c>, and a <c>POST</c> that carries an
/// <c>Idempotency-Key</c> (ChatSend answers its repeats with the original outcome). It retries when no answer came
/// (connection failure, attempt timeout) and on 408, 429 and 5xx, and a send's 409 with <c>Retry-After</c> (the
/// first request with the key is still running), waiting <c>Retry-After</c> when given, else an exponential backoff.
/// </summary>
internal sealed partial class RetryHandler(IOptionsMonitor<ChatSendClientOptions> options, TimeProvider time, ILogger<RetryHandler> logger)
    : DelegatingHandler
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var retries = IsRepeatable(request) ? settings.MaxRetries : 0;
        for (var attempt = 0; ; attempt++)
        {
            var message = attempt == 0 ? request : Copy(request);
            HttpResponseMessage response;
            try
            {
                response = await SendOnceAsync(message, settings.AttemptTimeout, cancellationToken);
            }
            catch (Exception ex) when (attempt < retries && IsNoAnswer(ex, cancellationToken))
            {
                var backoff = Backoff(settings, attempt);
                LogNoAnswer(request.Method, request.RequestUri?.AbsolutePath, attempt + 1, backoff, ex.GetType().Name);
                await Task.Delay(backoff, time, cancellationToken);
                continue;
            }
            if (attempt >= retries || !IsTransient(request, response))
                return response;
            var delay = ChatSendProblemException.RetryAfterOf(response.Headers.RetryAfter, time.GetUtcNow()) ?? Backoff(settings, attempt);
            if (delay > settings.MaxRetryDelay)
                return response;
            LogRetrying(request.Method, request.RequestUri?.AbsolutePath, attempt + 1, (int)response.StatusCode, delay);
            response.Dispose();
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            var response = await base.SendAsync(request, attempt.Token);
            // Read the body here, so an answer cut off halfway counts as no answer and is retried.
            await response.Content.LoadIntoBufferAsync(attempt.Token);
            return response;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"ChatSend did not answer within {timeout}.", ex);
        }
    }

    private static bool IsRepeatable(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get || request.Method == HttpMethod.Delete
        || (request.Method == HttpMethod.Post && request.Headers.Contains(IdempotencyKeyHeader));

    private static bool IsNoAnswer(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is HttpRequestException or TimeoutException or IOException;

    private static bool IsTransient(HttpRequestMessage request, HttpResponseMessage response) => response.StatusCode switch
    {
        HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => true,
        // 501 and 505 say the server will never handle this request; every other 5xx may pass.
        HttpStatusCode.NotImplemented or HttpStatusCode.HttpVersionNotSupported => false,
        >= HttpStatusCode.InternalServerError => true,
        // Only the "still running" 409 carries Retry-After; a disabled session's or a started delivery's does not.
        HttpStatusCode.Conflict => request.Method == HttpMethod.Post && response.Headers.RetryAfter is not null,
        _ => false,
    };

    private static TimeSpan Backoff(ChatSendClientOptions settings, int attempt)
    {
        var exponential = settings.RetryBaseDelay * Math.Pow(2, Math.Min(attempt, 16));
        var capped = exponential < settings.MaxRetryDelay ? exponential : settings.MaxRetryDelay;
        return capped * (0.5 + Random.Shared.NextDouble() / 2);
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request)
    {
        // The content is a byte array, so it can go again, byte for byte as ChatSend's key check wants it.
        var copy = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Content = request.Content,
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers)
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        foreach (var option in request.Options)
            copy.Options.Set(new HttpRequestOptionsKey<object?>(option.Key), option.Value);
        return copy;
    }

    [LoggerMessage(LogLevel.Warning, "ChatSend {Method} {Path}: attempt {Attempt} got no answer ({Error}); retrying in {Delay}")]
    private partial void LogNoAnswer(HttpMethod method, string? path, int attempt, TimeSpan delay, string error);

    [LoggerMessage(LogLevel.Warning, "ChatSend {Method} {Path}: attempt {Attempt} answered {Status}; retrying in {Delay}")]
    private partial void LogRetrying(HttpMethod method, string? path, int attempt, int status, TimeSpan delay);
}
