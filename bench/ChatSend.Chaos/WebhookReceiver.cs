using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatSend.Chaos;

/// <summary>
/// The integration at the other end of a webhook: verifies each request's Standard Webhooks signature with the secret
/// ChatSend gave at registration, counts every event id it gets, and answers 500 to a few requests so retries happen.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Random _random = new(11);
    private byte[] _key = [];

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url => new Uri(new Uri(_app.Urls.First()), "/hook").ToString();

    /// <summary>Event id → how many times it came with a valid signature and was answered 200.</summary>
    public ConcurrentDictionary<string, int> Accepted { get; } = new();

    public int Refused;
    public int BadSignatures;

    public string Secret
    {
        set => _key = Convert.FromBase64String(value["whsec_".Length..]);
    }

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

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        var id = request.Headers["webhook-id"].ToString();
        if (!Verify(id, request.Headers["webhook-timestamp"].ToString(), body, request.Headers["webhook-signature"].ToString()))
        {
            Interlocked.Increment(ref BadSignatures);
            return Results.StatusCode(400);
        }
        bool refuse;
        lock (_random)
            refuse = _random.Next(100) < 3;
        if (refuse)
        {
            Interlocked.Increment(ref Refused);
            return Results.StatusCode(500);
        }
        Accepted.AddOrUpdate(id, 1, (_, n) => n + 1);
        return Results.Ok();
    }

    private bool Verify(string id, string timestamp, string body, string signatures)
    {
        var expected = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        return signatures.Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), Encoding.ASCII.GetBytes(expected)));
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
