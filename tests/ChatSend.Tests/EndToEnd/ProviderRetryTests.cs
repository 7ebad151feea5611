using System.Net;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>A real provider that keeps failing transiently (5xx, or no answer in time) is tried MaxAttempts times, each logged, then the message fails.</summary>
public sealed class ProviderRetryTests(Azurite azurite, FakeCloudApi cloud) : IClassFixture<Azurite>, IClassFixture<FakeCloudApi>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Delivery:MaxAttempts"] = "3",
        ["ChatSend:Delivery:RetryBaseDelay"] = "00:00:01",
        ["ChatSend:WhatsAppCloud:Timeout"] = "00:00:01",
        ["ChatSend:Secrets:retry_token"] = cloud.AccessToken,
        ["Logging:LogLevel:ChatSend"] = "Information",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("flapping")] // 503 with code 131000 every time
    [InlineData("hanging")] // no answer within the client's timeout
    public async Task ATransientFailureThatNeverEndsFailsTheMessageAfterMaxAttemptsEachLogged(string behaviour)
    {
        var to = "1202555" + Random.Shared.Next(1000, 9999);
        cloud.Scripts[to] = behaviour == "flapping"
            ? new FakeCloudApi.Scripted(503, FakeCloudApi.Error(131000, "Something went wrong"))
            : new FakeCloudApi.Scripted(200, "{}", Delay: TimeSpan.FromSeconds(3)); // longer than the 1 s timeout
        var session = new Session("r" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WhatsAppCloudProvider.ProviderName,
            new Dictionary<string, string> { ["phoneNumberId"] = cloud.PhoneNumberId, ["baseUrl"] = cloud.BaseUrl, ["windowPolicy"] = "off" }, Enabled: true,
            new Dictionary<string, string> { ["accessToken"] = "retry_token" });
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        var key = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]);

        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"+{{to}}","text":"try me"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = MessageId.Parse((await Json.ReadAsync(response)).Str("id"));

        var failed = await Eventually.MatchesAsync(() => _app.Services.GetRequiredService<MessageStore>().FindAsync(id),
            m => m?.Status == "failed", TimeSpan.FromSeconds(40));
        Assert.Contains("still failing after 3 attempts", failed!.FailureReason);
        Assert.Equal(3, failed.Attempts);
        Assert.Equal(3, cloud.Attempts.GetValueOrDefault(to));
        foreach (var attempt in new[] { 1, 2 })
            Assert.Contains(_app.Logs.Lines, l => l.Contains(id.Value) && l.Contains($"(attempt {attempt})") && l.Contains("retrying in"));
    }
}
