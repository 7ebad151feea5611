using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace ChatSend.Tests.Client;

/// <summary>
/// The client's primary handler in retry tests: answers each request with the next scripted answer (the last one
/// repeats) and records what came and when.
/// </summary>
public sealed class ScriptedChatSend(params Func<HttpResponseMessage>[] answers) : HttpMessageHandler
{
    public const string Accepted = """{"id":"msg_1","to":"+12025550123","content":"hi","type":"text","timestamp":"2026-04-15T10:00:00.000Z","status":"queued","fromMe":true,"sender":"+15550100001","recipient":"+12025550123"}""";

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ConcurrentQueue<(TimeSpan At, HttpMethod Method, Uri? Uri, string? Key, string? Body)> Seen { get; } = new();

    public IReadOnlyList<TimeSpan> Gaps => Seen.Zip(Seen.Skip(1), (a, b) => b.At - a.At).ToList();

    public static HttpResponseMessage Answer(HttpStatusCode status, string? json = null, int? retryAfterSeconds = null, string mediaType = "application/json")
    {
        var response = new HttpResponseMessage(status);
        if (json is not null)
            response.Content = new StringContent(json, Encoding.UTF8, mediaType);
        if (retryAfterSeconds is { } seconds)
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        if (status == HttpStatusCode.Accepted)
            response.Headers.Location = new Uri("/messages/msg_1", UriKind.Relative);
        return response;
    }

    public static HttpResponseMessage Problem(HttpStatusCode status, int? retryAfterSeconds = null, string errors = "{}") =>
        Answer(status, $$"""{"type":"about:blank","title":"t{{(int)status}}","status":{{(int)status}},"detail":"d","errors":{{errors}}}""",
            retryAfterSeconds, "application/problem+json");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var key = request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : null;
        Seen.Enqueue((_clock.Elapsed, request.Method, request.RequestUri, key, body));
        var answer = answers[Math.Min(Seen.Count, answers.Length) - 1]();
        answer.RequestMessage = request;
        return answer;
    }
}
