using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Messaging;
using ChatSend.Events;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// Messages sent through the local host reach customers' receivers on 127.0.0.1 as signed CloudEvents: through the
/// outbox, the sink, the webhook deliveries queue and its listener, with retries one second apart (BaseDelay shortened).
/// </summary>
public sealed class WebhookDeliveryTests(Azurite azurite, WebhookReceiver receiver, ITestOutputHelper output)
    : IClassFixture<Azurite>, IClassFixture<WebhookReceiver>, IAsyncLifetime
{
    private const string Queued = MessageEvents.TypePrefix + "queued";
    private const string Read = MessageEvents.TypePrefix + "read";
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<TestApp> StartAsync(string timeout = "00:00:10") =>
        TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.0/8",
            ["ChatSend:Webhooks:AllowHttp"] = "true",
            ["ChatSend:Webhooks:Timeout"] = timeout,
        }, services => services.AddSingleton(new WebhookDeliveryPolicy { BaseDelay = TimeSpan.FromSeconds(1), BusyDelay = TimeSpan.FromSeconds(1) }));

    private static string NewHook() => "h" + Guid.NewGuid().ToString("N")[..10];

    private async Task<(WebhookApi Api, string Session, string Key)> NewSessionAsync(TestApp? app = null)
    {
        app ??= _app;
        var (session, key) = await app.NewSessionAsync();
        return (new WebhookApi(app, session.Id, key), session.Id, key);
    }

    private async Task<string> SendAsync(string session, string key, TestApp? app = null)
    {
        app ??= _app;
        using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session}}","to":"+12025550123","text":"hello"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private Task<IReadOnlyList<WebhookReceiver.Request>> ReceivedAsync(string hook, int count, int seconds = 30) =>
        Eventually.MatchesAsync(() => Task.FromResult(receiver.For(hook)), r => r.Count >= count, TimeSpan.FromSeconds(seconds));

    [Fact]
    public async Task ASentMessageReachesTheReceiverAsOneVerifiedEventPerStatus()
    {
        var (api, session, key) = await NewSessionAsync();
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook));
        receiver.Secrets[hook] = [webhook.Secret];

        var message = await SendAsync(session, key);

        var requests = await ReceivedAsync(hook, 4);
        Assert.Equal(["queued", "sent", "delivered", "read"], requests.Select(r => r.Id[(message.Length + 1)..]));
        Assert.All(requests, r => Assert.StartsWith(message + ":", r.Id));
        Assert.All(requests, r => Assert.Equal([0], r.Verified));
        Assert.All(requests, r => Assert.StartsWith(MessageEvents.ContentType, r.ContentType));
        var cloudEvent = JsonNode.Parse(requests[^1].Body)!;
        Assert.Equal((requests[^1].Id, "chatsend.message.read", "/sessions/" + session, message, "read"),
            ((string?)cloudEvent["id"], (string?)cloudEvent["type"], (string?)cloudEvent["source"], (string?)cloudEvent["subject"],
                (string?)cloudEvent["data"]!["status"]));
        var deliveries = (await Eventually.MatchesAsync(() => api.GetAsync(webhook.Id), w => w["lastDeliveries"]!.AsArray().Count >= 4))["lastDeliveries"]!.AsArray();
        Assert.All(deliveries, d => Assert.Equal(200, (int?)d!["status"]));
    }

    [Fact]
    public async Task AnEndpointThatFailsWith500ThenSucceedsGetsTheSameEventTwiceWithTheSameWebhookId()
    {
        var (api, session, key) = await NewSessionAsync();
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook), Queued);
        receiver.Secrets[hook] = [webhook.Secret];
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(500));

        var message = await SendAsync(session, key);

        var requests = await ReceivedAsync(hook, 2);
        Assert.Equal([message + ":queued", message + ":queued"], requests.Select(r => r.Id));
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.All(requests, r => Assert.Equal([0], r.Verified));
        var log = await Eventually.MatchesAsync(() => api.GetAsync(webhook.Id), w => w["lastDeliveries"]!.AsArray().Count >= 2);
        Assert.Equal([200, 500], log["lastDeliveries"]!.AsArray().Select(d => (int?)d!["status"])); // newest first
        Assert.Equal("HTTP 500", (string?)log["lastDeliveries"]![1]!["error"]);
        Assert.True((bool)log["enabled"]!);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(410)]
    public async Task AnEndpointAnsweringAClientErrorGetsExactlyOneRequest(int status)
    {
        var (api, session, key) = await NewSessionAsync();
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook), Queued);
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(status));

        await SendAsync(session, key);

        await ReceivedAsync(hook, 1);
        // The handler's decision on that answer, logged once it is made: a retry would have been queued instead.
        await Eventually.MatchesAsync(() => Task.FromResult(_app.Logs.Lines),
            lines => lines.Any(l => l.Contains(webhook.Id) && l.Contains("refused") && l.Contains("not retried")));
        Assert.Single(receiver.For(hook));
        var listed = await api.GetAsync(webhook.Id);
        Assert.Equal(status, (int?)listed["lastDeliveries"]![0]!["status"]);
        // 410 Gone is the receiver saying it wants no more (Standard Webhooks): the endpoint is disabled.
        Assert.Equal(status != 410, (bool)listed["enabled"]!);
    }

    [Fact]
    public async Task A429IsRetriedNoSoonerThanItsRetryAfter()
    {
        var (api, session, key) = await NewSessionAsync();
        var hook = NewHook();
        await api.RegisterAsync(receiver.Url(hook), Queued);
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(429, RetryAfter: "3"));

        await SendAsync(session, key);

        var requests = await ReceivedAsync(hook, 2);
        Assert.Equal(requests[0].Id, requests[1].Id);
        Assert.InRange((requests[1].At - requests[0].At).TotalSeconds, 2.9, 10); // the backoff alone would be about 1 s
    }

    [Fact]
    public async Task DuringARotationBothSignaturesAreSentAndEachVerifiesWithItsOwnSecret()
    {
        var (api, session, key) = await NewSessionAsync();
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook), Queued);
        var rotated = await api.RotateAsync(webhook.Id);
        receiver.Secrets[hook] = [rotated, webhook.Secret];

        await SendAsync(session, key);

        var request = Assert.Single(await ReceivedAsync(hook, 1));
        Assert.Equal(2, request.Signature.Split(' ').Length);
        Assert.Equal([0, 1], request.Verified);
    }

    [Fact]
    public async Task AHangingEndpointTimesOutAndIsRetriedWhileOtherEndpointsAndSessionsGetTheirEventsPromptly()
    {
        await _app.DisposeAsync(); // one instance, so its bound of two per endpoint is what the receiver sees
        var app = _app = await StartAsync(timeout: "00:00:03");
        var (slowApi, slowSession, _) = await NewSessionAsync(app);
        var (fastApi, fastSession, _) = await NewSessionAsync(app);
        var (hanging, sameSession, other) = (NewHook(), NewHook(), NewHook());
        receiver.Hang(hanging);
        await slowApi.RegisterAsync(receiver.Url(hanging));
        await slowApi.RegisterAsync(receiver.Url(sameSession), Read);
        await fastApi.RegisterAsync(receiver.Url(other));
        var sink = app.Services.GetRequiredService<WebhookSink>();

        // A queue full of the hanging endpoint's jobs (a listener takes 16 at a time), then one for each healthy endpoint.
        for (var i = 0; i < 16; i++)
            await sink.PublishAsync(slowSession, [Event(slowSession, i, "queued")], CancellationToken.None);
        var clock = Stopwatch.StartNew();
        await sink.PublishAsync(slowSession, [Event(slowSession, 0, "read")], CancellationToken.None);
        await sink.PublishAsync(fastSession, [Event(fastSession, 0, "read")], CancellationToken.None);
        await ReceivedAsync(sameSession, 1);
        var sameSessionAfter = clock.Elapsed;
        await ReceivedAsync(other, 1);
        var otherSessionAfter = clock.Elapsed;

        var tried = await Eventually.MatchesAsync(() => Task.FromResult(receiver.For(hanging)),
            r => r.GroupBy(x => x.Id).Any(g => g.Count() >= 2), TimeSpan.FromSeconds(30));
        output.WriteLine($"healthy endpoints got their events {sameSessionAfter.TotalMilliseconds:0} ms (same session) and " +
            $"{otherSessionAfter.TotalMilliseconds:0} ms (other session) after they were queued; the hanging one: " +
            $"{tried.Count} requests by then, at most {receiver.MostOpenAtOnce(hanging)} open at once");
        // Without the bound, the listener's first 16 jobs would all wait out the 3 s timeout first.
        Assert.True(otherSessionAfter < TimeSpan.FromSeconds(2), $"the healthy endpoints took {sameSessionAfter} and {otherSessionAfter}");
        Assert.InRange(receiver.MostOpenAtOnce(hanging), 1, 2);
        Assert.Contains(app.Logs.Lines, l => l.Contains("timeout after 3 s") && l.Contains("retrying"));
    }

    private static CloudEvent Event(string session, int message, string status) =>
        new(MessageEvents.SourceOf(session), MessageEvents.TypePrefix + status, new { status }) { Id = $"msg_{session}_{message:D26}:{status}" };
}
