using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatSend.Events;
using ChatSend.Http;
using ChatSend.Media;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

/// <summary>One attempt as it went: the status (null without an answer), how long it took, a short error, and what it means.</summary>
public sealed record WebhookResponse(DateTimeOffset At, int? Status, long LatencyMs, string? Error, WebhookOutcome Outcome,
    TimeSpan? RetryAfter = null, bool TimedOut = false)
{
    /// <summary>What went wrong, short, for the log and a disabled endpoint's reason; never the body.</summary>
    public string Describe() => Error ?? $"HTTP {Status}";
}

/// <summary>
/// Posts one signed event to an endpoint. The HTTP client is the media fetcher's kind (<see cref="MediaHttp"/>): no
/// proxy, no automatic redirects, and the public-address guard on the very address each connection dials, so a URL
/// that passed the guard at registration cannot be pointed at a private address later through DNS.
/// </summary>
public sealed class WebhookDeliveryClient(IHttpClientFactory http, IOptions<WebhookOptions> options, TimeProvider time)
{
    public const string ClientName = "ChatSend.Webhooks";

    public async Task<WebhookResponse> PostAsync(Uri url, string eventId, string body, IReadOnlyList<string> secrets,
        CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        if (url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && options.Value.AllowHttp))
            return new(at, null, 0, $"{url.Scheme} URLs are not called (https only)", WebhookOutcome.Refused);

        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(MessageEvents.ContentType, "utf-8")),
        };
        var timestamp = at.ToUnixTimeSeconds();
        request.Headers.Add(WebhookSigner.IdHeader, eventId);
        request.Headers.Add(WebhookSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSigner.SignatureHeader, WebhookSigner.Sign(eventId, timestamp, body, secrets));

        var timeout = options.Value.Timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        long Elapsed() => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        try
        {
            // Headers are the answer; the body is not read.
            using var response = await http.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            var outcome = WebhookDeliveryPolicy.Classify(status);
            var error = status is >= 300 and < 400 ? $"redirect refused (HTTP {status})" : null;
            return new(at, status, Elapsed(), error, outcome, RetryAfter.Of(response, time));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(at, null, Elapsed(), $"timeout after {timeout.TotalSeconds:0.###} s", WebhookOutcome.Retry, TimedOut: true);
        }
        catch (HttpRequestException ex) when (Refused(ex))
        {
            return new(at, null, Elapsed(), "address refused: the host resolves only to private or reserved addresses", WebhookOutcome.Retry);
        }
        catch (HttpRequestException ex)
        {
            return new(at, null, Elapsed(), $"connection failed ({ex.HttpRequestError})", WebhookOutcome.Retry);
        }
    }

    private static bool Refused(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is AddressRefusedException)
                return true;
        return false;
    }

    /// <summary>The primary handler: <see cref="MediaHttp"/>'s (guard in the connect callback, no redirects, no proxy).</summary>
    public static SocketsHttpHandler CreateHandler(MediaOptions media) => MediaHttp.CreateHandler(media);
}
