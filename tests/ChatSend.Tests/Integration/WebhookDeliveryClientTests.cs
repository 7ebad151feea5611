using System.Security.Cryptography;
using ChatSend.Events;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;

namespace ChatSend.Tests.Integration;

/// <summary>One attempt against a receiver on 127.0.0.1: signed, guarded, not redirected, timed out. No storage involved.</summary>
public sealed class WebhookDeliveryClientTests(WebhookReceiver receiver) : IClassFixture<WebhookReceiver>, IAsyncLifetime
{
    private const string Body = """{"specversion":"1.0","id":"msg_s_1:sent","type":"chatsend.message.sent"}""";
    private static readonly string Secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = Services();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static TestServices Services(string allowed = "127.0.0.0/8", string timeout = "00:00:10", string allowHttp = "true") =>
        new("UseDevelopmentStorage=true", new Dictionary<string, string?>
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = allowed,
            ["ChatSend:Webhooks:Timeout"] = timeout,
            ["ChatSend:Webhooks:AllowHttp"] = allowHttp,
        });

    private static string NewHook() => "h" + Guid.NewGuid().ToString("N")[..10];

    private Task<WebhookResponse> PostAsync(string url, TestServices? services = null) =>
        (services ?? _services).Get<WebhookDeliveryClient>().PostAsync(new Uri(url), "msg_s_1:sent", Body, [Secret], CancellationToken.None);

    [Fact]
    public async Task AnEventArrivesAsSignedStructuredCloudEventThatTheStandardWebhooksPackageVerifies()
    {
        var hook = NewHook();
        receiver.Secrets[hook] = [Secret];

        var response = await PostAsync(receiver.Url(hook));

        Assert.Equal((WebhookOutcome.Delivered, 200), (response.Outcome, response.Status));
        var request = Assert.Single(receiver.For(hook));
        Assert.Equal(("msg_s_1:sent", Body), (request.Id, request.Body));
        Assert.Equal([0], request.Verified);
        Assert.Equal(MessageEvents.ContentType + "; charset=utf-8", request.ContentType);
        Assert.InRange(long.Parse(request.Timestamp), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task ARedirectIsNotFollowedAndIsAFailureThatIsNotRetried()
    {
        var hook = NewHook();
        var target = NewHook();
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(307, Location: receiver.Url(target)));

        var response = await PostAsync(receiver.Url(hook));

        Assert.Equal((WebhookOutcome.Refused, 307, "redirect refused (HTTP 307)"), (response.Outcome, response.Status, response.Error));
        Assert.Empty(receiver.For(target));
    }

    [Fact]
    public async Task AHostThatNowResolvesToAPrivateAddressIsRefusedAtConnectAndNothingArrives()
    {
        var hook = NewHook();
        await using var guarded = Services(allowed: "");

        var response = await PostAsync(receiver.LocalhostUrl(hook), guarded);

        Assert.Equal((WebhookOutcome.Retry, (int?)null), (response.Outcome, response.Status));
        Assert.StartsWith("address refused", response.Error);
        Assert.Empty(receiver.For(hook));
    }

    [Fact]
    public async Task AReceiverThatDoesNotAnswerWithinTheTimeoutIsATimeoutToRetry()
    {
        var hook = NewHook();
        receiver.Hang(hook);
        await using var quick = Services(timeout: "00:00:01");

        var response = await PostAsync(receiver.Url(hook), quick);

        Assert.Equal((WebhookOutcome.Retry, true, "timeout after 1 s"), (response.Outcome, response.TimedOut, response.Error));
        Assert.InRange(response.LatencyMs, 900, 5000);
    }

    [Fact]
    public async Task AnHttpUrlIsNotCalledUnlessAllowHttpIsOn()
    {
        var hook = NewHook();
        await using var strict = Services(allowHttp: "false");

        var response = await PostAsync(receiver.Url(hook), strict);

        Assert.Equal(WebhookOutcome.Refused, response.Outcome);
        Assert.Empty(receiver.For(hook));
    }
}
