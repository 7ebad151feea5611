using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace ChatSend.Bench;

/// <summary>
/// A customer's webhook endpoint on 127.0.0.1: verifies each request's Standard Webhooks signature with the secret
/// ChatSend gave at registration (the StandardWebhooks package, as a customer would; 401 when it does not match), and
/// notes when each customer's message's <c>chatsend.message.received</c> event first arrived, by its provider's id, and
/// every event's id.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private const string ReceivedType = "chatsend.message.received";
    private readonly WebApplication _app;
    private StandardWebhook? _verifier;
    private int _badSignatures;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url => new Uri(new Uri(_app.Urls.First()), "/hook").ToString();

    /// <summary>The secret ChatSend signs with (<c>whsec_…</c>), as registering the endpoint returned it.</summary>
    public string Secret
    {
        set => _verifier = new StandardWebhook(value);
    }

    /// <summary>Provider message id → <see cref="Stopwatch"/> timestamp of its received event's first arrival.</summary>
    public ConcurrentDictionary<string, long> Arrived { get; } = new();

    /// <summary>The id of every event that arrived, once however often it came.</summary>
    public ConcurrentDictionary<string, byte> EventIds { get; } = new();

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var receiver = new WebhookReceiver(builder.Build());
        receiver._app.MapPost("/hook", receiver.ReceiveAsync);
        await receiver._app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until <paramref name="count"/> messages' events arrived, or throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; Arrived.Count < count; await Task.Delay(10))
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Arrived.Count} of {count} received events arrived in {timeout} ({BadSignatures} bad signatures)");
    }

    /// <summary>
    /// Waits until <paramref name="count"/> distinct events of <paramref name="status"/> (<c>read</c>: ids ending <c>:read</c>)
    /// arrived, or throws after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForEventsAsync(string status, int count, TimeSpan timeout)
    {
        int Arrived() => EventIds.Keys.Count(id => id.EndsWith(":" + status, StringComparison.Ordinal));
        for (var deadline = DateTime.UtcNow + timeout; Arrived() < count; await Task.Delay(50))
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Arrived()} of {count} {status} events arrived in {timeout} ({BadSignatures} bad signatures)");
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        var at = Stopwatch.GetTimestamp();
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        try
        {
            (_verifier ?? throw new WebhookVerificationException("no secret yet")).Verify(body, request.Headers);
        }
        catch (WebhookVerificationException)
        {
            Interlocked.Increment(ref _badSignatures);
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        EventIds.TryAdd(root.GetProperty("id").GetString()!, 0);
        if (root.GetProperty("type").GetString() == ReceivedType)
            Arrived.TryAdd(root.GetProperty("data").GetProperty("providerMessageId").GetString()!, at);
        return Results.Ok();
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
