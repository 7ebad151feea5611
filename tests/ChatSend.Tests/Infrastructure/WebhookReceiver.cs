using System.Collections.Concurrent;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// Customers' webhook receivers on 127.0.0.1, one per path <c>/hooks/{name}</c>. A hook with secrets verifies every
/// request with the StandardWebhooks package, as a customer would, and answers 401 when no signature matches; each
/// hook answers 200 unless told otherwise (a status, a <c>Retry-After</c>, a redirect, or hanging until the caller gives up).
/// </summary>
public sealed class WebhookReceiver : FakeHttpServer
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Answer>> _scripted = new();
    private readonly ConcurrentDictionary<string, bool> _hanging = new();
    private readonly ConcurrentDictionary<string, int[]> _open = new(); // per hook: requests open now, most open at once

    public sealed record Answer(int Status, string? RetryAfter = null, string? Location = null);

    /// <summary>One request as it arrived; <see cref="Verified"/> lists the secrets (by index) whose signature matched.</summary>
    public sealed record Request(string Hook, string Id, string Timestamp, string Signature, string ContentType, string Body,
        IReadOnlyList<int> Verified, DateTimeOffset At);

    public ConcurrentQueue<Request> Requests { get; } = new();
    public ConcurrentDictionary<string, string[]> Secrets { get; } = new();

    public string Url(string hook) => $"http://127.0.0.1:{Port}/hooks/{hook}";
    public string LocalhostUrl(string hook) => $"http://localhost:{Port}/hooks/{hook}";
    public IReadOnlyList<Request> For(string hook) => Requests.Where(r => r.Hook == hook).ToList();
    public void AnswerNext(string hook, Answer answer) => _scripted.GetOrAdd(hook, _ => new()).Enqueue(answer);
    public void Hang(string hook) => _hanging[hook] = true;

    /// <summary>The most requests a hanging hook held open at the same time.</summary>
    public int MostOpenAtOnce(string hook) => _open.TryGetValue(hook, out var open) ? Volatile.Read(ref open[1]) : 0;

    protected override void Map(WebApplication app) => app.MapPost("/hooks/{hook}", HandleAsync);

    private async Task<IResult> HandleAsync(HttpContext context, string hook)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        var headers = context.Request.Headers;
        var verified = Secrets.TryGetValue(hook, out var secrets) ? Verify(body, headers, secrets) : [];
        Requests.Enqueue(new Request(hook, headers[WebhookSigner.IdHeader].ToString(), headers[WebhookSigner.TimestampHeader].ToString(),
            headers[WebhookSigner.SignatureHeader].ToString(), context.Request.ContentType ?? "", body, verified, DateTimeOffset.UtcNow));
        if (_hanging.ContainsKey(hook))
        {
            var open = _open.GetOrAdd(hook, _ => new int[2]);
            var now = Interlocked.Increment(ref open[0]);
            for (var most = Volatile.Read(ref open[1]); now > most; most = Volatile.Read(ref open[1]))
                Interlocked.CompareExchange(ref open[1], now, most);
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }); // hangs until the caller gives up
            Interlocked.Decrement(ref open[0]);
            return Results.StatusCode(200);
        }
        if (secrets is not null && verified.Count == 0)
            return Results.StatusCode(401);
        if (!_scripted.TryGetValue(hook, out var queue) || !queue.TryDequeue(out var answer))
            return Results.Ok();
        if (answer.RetryAfter is not null)
            context.Response.Headers.RetryAfter = answer.RetryAfter;
        if (answer.Location is not null)
            context.Response.Headers.Location = answer.Location;
        return Results.StatusCode(answer.Status);
    }

    // Each signature of the list on its own: StandardWebhooks 1.1.2's Verify never checks the last one of several.
    private static List<int> Verify(string body, IHeaderDictionary headers, string[] secrets)
    {
        var verified = new List<int>();
        for (var i = 0; i < secrets.Length; i++)
        {
            foreach (var signature in headers[WebhookSigner.SignatureHeader].ToString().Split(' '))
            {
                var single = new HeaderDictionary(headers.ToDictionary(h => h.Key, h => h.Value)) { [WebhookSigner.SignatureHeader] = signature };
                try
                {
                    new StandardWebhook(secrets[i]).Verify(body, single);
                    verified.Add(i);
                    break;
                }
                catch (WebhookVerificationException)
                {
                }
            }
        }
        return verified;
    }
}
