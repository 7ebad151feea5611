using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Events;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// A customer's messages reach a webhook endpoint in the order the customer sent them, through the local host on Azurite:
/// while the first one's file is still being fetched, when the endpoint fails the first event and gets it again only
/// after a backoff, and when two hosts share the callbacks and the queues. Written as the customer writes, through the
/// sandbox (<c>POST /sandbox/sessions/{session}/inbound</c>).
/// </summary>
public sealed class ChatOrderWebhookTests(Azurite azurite, WebhookReceiver receiver, MediaServer media)
    : IClassFixture<Azurite>, IClassFixture<WebhookReceiver>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private const string Received = MessageEvents.TypePrefix + "received";
    private readonly List<TestApp> _apps = [];

    public async Task InitializeAsync() => _apps.Add(await StartAsync());

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
            await app.DisposeAsync();
    }

    private TestApp App => _apps[0];

    private Task<TestApp> StartAsync() =>
        TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
            ["ChatSend:Webhooks:AllowHttp"] = "true",
        }, services => services.AddSingleton(new WebhookDeliveryPolicy { BaseDelay = TimeSpan.FromSeconds(1), BusyDelay = TimeSpan.FromSeconds(1) }));

    private async Task<(string Session, string Key, string Hook)> FollowedSessionAsync()
    {
        var (session, key, hook, _) = await FollowedSessionWithWebhookAsync();
        return (session, key, hook);
    }

    private async Task<(string Session, string Key, string Hook, string Webhook)> FollowedSessionWithWebhookAsync()
    {
        var (session, key) = await App.NewSessionAsync();
        var hook = "h" + Guid.NewGuid().ToString("N")[..10];
        var webhook = await new WebhookApi(App, session.Id, key).RegisterAsync(receiver.Url(hook), Received);
        return (session.Id, key, hook, webhook.Id);
    }

    private static async Task<string> WriteAsync(TestApp app, string session, string key, object body)
    {
        using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/sandbox/sessions/{session}/inbound", key, JsonSerializer.Serialize(body)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await Json.ReadAsync(response)).Str("id");
    }

    private async Task<long?> NextSequenceAsync(string session, string chat)
    {
        var row = await azurite.Clients.Table(StorageNames.MessagesTable).GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(session,
            ChatSend.Messages.MessageRowKeys.ChatOrderOf(chat));
        return row.HasValue ? row.Value!.GetInt64("NextSequence") : null;
    }

    /// <summary>Every request the hook got, in arrival order, as (message id, chatsequence).</summary>
    private IReadOnlyList<(string Message, string? Sequence)> Requests(string hook) =>
        receiver.For(hook).Select(r => JsonNode.Parse(r.Body)!).Select(e => ((string)e["subject"]!, (string?)e[MessageEvents.ChatSequenceAttribute])).ToList();

    private Task<IReadOnlyList<(string Message, string? Sequence)>> DeliveredAsync(string hook, int distinct) =>
        Eventually.MatchesAsync(() => Task.FromResult(Requests(hook)), r => r.Select(x => x.Message).Distinct().Count() >= distinct, TimeSpan.FromSeconds(60));

    /// <summary>
    /// Each message reaches the endpoint first after the one the customer sent before it, always with its own number. (An
    /// event handed on twice, by two dispatchers at once, may come again later: receivers dedupe on the id.)
    /// </summary>
    private static void AssertInOrder(List<string> sent, IReadOnlyList<(string Message, string? Sequence)> requests)
    {
        var first = sent.Select(id => requests.Select(r => r.Message).ToList().IndexOf(id)).ToList();
        Assert.DoesNotContain(-1, first);
        for (var i = 1; i < sent.Count; i++)
            Assert.True(first[i - 1] < first[i], $"message {i + 1} reached the endpoint before message {i}");
        Assert.All(requests, r => Assert.Equal(MessageEvents.FormatSequence(sent.IndexOf(r.Message) + 1), r.Sequence));
    }

    [Fact]
    public async Task TheMessagesAfterOneWhoseFileIsStillBeingFetchedArriveAfterIt()
    {
        var (session, key, hook) = await FollowedSessionAsync();
        var sent = new List<string> { await WriteAsync(App, session, key, new { from = "+14155550123", imageUrl = media.Url("/slow?ms=1500") }) };
        for (var i = 1; i <= 4; i++)
            sent.Add(await WriteAsync(App, session, key, new { from = "+14155550123", text = $"message {i}" }));

        var requests = await DeliveredAsync(hook, sent.Count);

        AssertInOrder(sent, requests);
        var photo = JsonSerializer.Deserialize<ChatSend.Client.ChatSendEvent>(receiver.For(hook).First().Body)!; // as the .NET client reads it
        Assert.Equal(($"/messages/{sent[0]}/media", "000000000001"), (photo.Data!.Media!.Url, photo.ChatSequence));
    }

    [Fact]
    public async Task WhenTheEndpointFailsTheFirstEventTheOthersWaitForItsRetries()
    {
        var (session, key, hook) = await FollowedSessionAsync();
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(503));
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(500));
        var sent = new List<string> { await WriteAsync(App, session, key, new { from = "+14155550123", text = "message 1" }) };
        await DeliveredAsync(hook, 1); // its first attempt failed: the others are written while it waits for its retry
        for (var i = 2; i <= 4; i++)
            sent.Add(await WriteAsync(App, session, key, new { from = "+14155550123", text = $"message {i}" }));

        var requests = await DeliveredAsync(hook, sent.Count);

        // The 503, the 500 a backoff later, the 200 a longer one later; only then the others.
        Assert.Equal([sent[0], sent[0], sent[0]], requests.Take(3).Select(r => r.Message));
        AssertInOrder(sent, requests);
    }

    [Fact]
    public async Task TwoHostsSharingTheCallbacksAndTheQueuesKeepTheOrderAndOtherChatsGoTheirOwnWay()
    {
        _apps.Add(await StartAsync());
        var (session, key, hook) = await FollowedSessionAsync();
        var (alice, bob) = (new List<string>(), new List<string>());
        for (var i = 1; i <= 12; i++)
        {
            alice.Add(await WriteAsync(_apps[i % 2], session, key, new { from = "+14155550123", text = $"alice {i}" }));
            if (i % 3 == 0)
                bob.Add(await WriteAsync(_apps[(i + 1) % 2], session, key, new { from = "+14155550177", text = $"bob {i}" }));
        }

        var requests = await DeliveredAsync(hook, alice.Count + bob.Count);

        AssertInOrder(alice, requests.Where(r => alice.Contains(r.Message)).ToList());
        AssertInOrder(bob, requests.Where(r => bob.Contains(r.Message)).ToList());
    }

    [Fact]
    public async Task AnEndpointThatStopsWantingReceivedEventsAndWantsThemAgainIsNotHeldForTheOnesItWasNotGiven()
    {
        var (session, key, hook, webhook) = await FollowedSessionWithWebhookAsync();
        async Task WantAsync(string events)
        {
            using var response = await App.Http.SendAsync(App.Request(HttpMethod.Patch, $"/sessions/{session}/webhooks/{webhook}", key,
                $$"""{"events":[{{events}}]}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var first = await WriteAsync(App, session, key, new { from = "+14155550123", text = "one" });
        await DeliveredAsync(hook, 1);
        await WantAsync($"\"{MessageEvents.TypePrefix}read\"");
        var missed = await WriteAsync(App, session, key, new { from = "+14155550123", text = "two" });
        await Eventually.MatchesAsync(() => NextSequenceAsync(session, "+14155550123"), n => n == 3); // "two" was handed on, not to this endpoint
        await WantAsync($"\"{Received}\"");
        var third = await WriteAsync(App, session, key, new { from = "+14155550123", text = "three" });

        var requests = await DeliveredAsync(hook, 2);

        Assert.Equal([first, third], requests.Select(r => r.Message).Distinct());
    }

    [Theory]
    [InlineData('語')] // three bytes in UTF-8
    [InlineData('"')] // escaped in JSON: two
    [InlineData('\u0001')] // escaped in JSON: six
    public async Task TheLongestTextACustomerMaySendReachesTheEndpointAndTheNextMessageStillFollows(char character)
    {
        var (session, key, hook) = await FollowedSessionAsync();
        // As a provider's callback hands it over (the sandbox's own route takes 4,096 characters, as /send does).
        var recorder = App.Services.GetRequiredService<ChatSend.Inbound.InboundRecorder>();
        var found = (await App.Services.GetRequiredService<ChatSend.Sessions.SessionStore>().FindAsync(session))!;
        var (longest, _) = await recorder.RecordAsync(found, "sandbox", new ChatSend.Providers.Callbacks.InboundReport(session, "p-" + Guid.NewGuid().ToString("N"),
            DateTimeOffset.UtcNow, "+14155550123", "+14155550123", ChatSend.Send.MessageType.Text, new string(character, 65_536)), CancellationToken.None);
        var sent = new List<string> { longest.Id, await WriteAsync(App, session, key, new { from = "+14155550123", text = "and one more thing" }) };

        var requests = await DeliveredAsync(hook, sent.Count);

        AssertInOrder(sent, requests);
        var kept = (string)JsonNode.Parse(receiver.For(hook).First(r => r.Body.Contains(sent[0])).Body)!["data"]!["content"]!;
        Assert.True(kept.Length >= 4_000 && kept.All(c => c == character), $"{kept.Length} characters kept");
    }
}
