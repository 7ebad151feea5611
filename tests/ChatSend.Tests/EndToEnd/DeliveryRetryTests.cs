using System.Net;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>Retries, claims and the queue's poison path, through the running local host.</summary>
public sealed class DeliveryRetryTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Delivery:RetryBaseDelay"] = "00:00:01",
        ["ChatSend:Delivery:ClaimLease"] = "00:00:05",
        ["ChatSend:Delivery:MaxAttempts"] = "3",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<string> SendAsync(string session, string key)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session}}","to":"+12025550123","text":"retry me"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await Json.ReadAsync(response)).Str("id");
    }

    private Task<MessageEntity?> FindAsync(string id)
    {
        MessageId.TryParse(id, out var messageId);
        return _app.Services.GetRequiredService<MessageStore>().FindAsync(messageId);
    }

    [Fact]
    public async Task TransientProviderErrorsAreRetriedUntilTheySucceed()
    {
        var (session, key) = await _app.NewSessionAsync(ScriptedProvider.ProviderName,
            settings: new Dictionary<string, string> { ["outcome"] = "transient", ["failures"] = "2" });
        var id = await SendAsync(session.Id, key);

        var sent = await Eventually.MatchesAsync(() => FindAsync(id), m => m?.Status == "sent");
        Assert.Equal((3, $"scripted-{id}-3"), (sent!.Attempts, sent.ProviderMessageId));
        Assert.Equal(3, _app.Scripted.CallsFor(id));
    }

    [Fact]
    public async Task AProviderThatCrashesIsTriedOncePerClaimLeaseUntilMaxAttemptsThenTheMessageFails()
    {
        var (session, key) = await _app.NewSessionAsync(ScriptedProvider.ProviderName,
            settings: new Dictionary<string, string> { ["outcome"] = "crash" });
        var id = await SendAsync(session.Id, key);

        // A crash may have come after the message went out, so each new try waits for the claim to run out.
        var failed = await Eventually.MatchesAsync(() => FindAsync(id), m => m?.Status == "failed", TimeSpan.FromSeconds(40));
        Assert.Equal("delivery gave up after 3 attempts", failed!.FailureReason);
        Assert.Equal(3, _app.Scripted.CallsFor(id));
        var times = failed.GetHistory().Select(h => h.At).ToList();
        Assert.True(times[^1] - times[0] >= TimeSpan.FromSeconds(10), $"two leases of 5 s lie between the first try and the end: {times[^1] - times[0]}");
        Assert.False(failed.HasMarker);
    }

    [Fact]
    public async Task AMessageThatIsNotBase64GoesToThePoisonQueueWithoutStallingOthers()
    {
        var raw = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, StorageNames.DeliveriesQueue);
        await raw.SendMessageAsync("{not base64}");
        var (session, key) = await _app.NewSessionAsync();
        var id = await SendAsync(session.Id, key);

        await Eventually.MatchesAsync(() => FindAsync(id), m => m?.Status == "sent" || m?.Status == "delivered" || m?.Status == "read",
            TimeSpan.FromSeconds(10));
        // The count includes invisible messages, so a message stuck under a lease would show here.
        await Eventually.MatchesAsync(async () => (await raw.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(10));
    }
}
