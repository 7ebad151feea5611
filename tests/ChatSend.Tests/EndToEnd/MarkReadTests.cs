using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Evolution;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// <c>POST /messages/{id}/read</c> through the local host over Azurite: each provider's fake receives the documented read
/// marking (Cloud API <c>status: read</c>, WAHA <c>sendSeen</c>, Evolution <c>markMessageAsRead</c>) and the message moves
/// <c>received → read</c> with its event; marking again asks the provider no more; an outbound message is 409; a provider
/// failing briefly is 503 with Retry-After and a refusal 502, both leaving the message <c>received</c>; the key rules of
/// <c>GET /messages/{id}</c> hold.
/// </summary>
public sealed class MarkReadTests(Azurite azurite, FakeCloudApi cloud, FakeWaha waha, EvolutionServer evolution)
    : IClassFixture<Azurite>, IClassFixture<FakeCloudApi>, IClassFixture<FakeWaha>, IClassFixture<EvolutionServer>, IAsyncLifetime
{
    private const string Group = "120363012345678901@g.us";
    private readonly RecordingSink _events = new();
    private TestApp _app = null!;
    private ProviderSessions _sessions = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(azurite, ProviderSessions.Secrets(cloud), services => services.AddSingleton<IEventSink>(_events));
        _sessions = new ProviderSessions(_app, cloud, waha, evolution);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string> Providers => ProviderSessions.All;

    public static TheoryData<string> RealProviders => ProviderSessions.Real;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ACustomersMessageIsMarkedReadAtTheProviderAndMovesToRead(string provider)
    {
        var (session, key) = await _sessions.NewAsync(provider);
        _events.Follow(session.Id);
        var message = await _sessions.ReceiveAsync(session);

        var (status, body) = await MarkReadAsync(key, message.Id);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("read", "inbound", message.Id), (body.Str("status"), body.Str("direction"), body.Str("id")));
        Assert.Equal(["received", "read"], body.GetProperty("statusHistory").EnumerateArray().Select(h => h.Str("status")));
        Assert.Equal("read", (await GetAsync(key, message.Id)).Str("status"));
        AssertMarkedAtProvider(provider, session, message, times: 1);
        // The read goes out as every status change does: one event, from the outbox written with the change.
        var read = await Eventually.MatchesAsync(() => Task.FromResult(_events.For(message.Id)), e => e.Any(x => x.Type == "chatsend.message.read"));
        Assert.Equal("read", (string?)RecordingSink.Data(read.Single(x => x.Type == "chatsend.message.read"))["status"]);
    }

    [Theory]
    [InlineData(WahaProvider.ProviderName)]
    [InlineData(EvolutionProvider.ProviderName)]
    public async Task AGroupMessageIsMarkedReadInItsGroup(string provider)
    {
        var (session, key) = await _sessions.NewAsync(provider);
        var message = await _sessions.ReceiveAsync(session, chat: Group, sender: ProviderSessions.Customer);

        var (status, _) = await MarkReadAsync(key, message.Id);

        Assert.Equal(HttpStatusCode.OK, status);
        AssertMarkedAtProvider(provider, session, message, times: 1);
    }

    [Theory]
    [MemberData(nameof(RealProviders))]
    public async Task MarkingItAgainIs200AndDoesNotAskTheProviderAgain(string provider)
    {
        var (session, key) = await _sessions.NewAsync(provider);
        var message = await _sessions.ReceiveAsync(session);
        Assert.Equal(HttpStatusCode.OK, (await MarkReadAsync(key, message.Id)).Status);

        var (status, body) = await MarkReadAsync(key, message.Id);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("read", body.Str("status"));
        Assert.Equal(2, body.GetProperty("statusHistory").GetArrayLength());
        AssertMarkedAtProvider(provider, session, message, times: 1); // the second answer came without a provider call
    }

    [Fact]
    public async Task AMessageTheSessionSentIs409AndStaysAsItIs()
    {
        var (session, key) = await _sessions.NewAsync(SandboxProvider.ProviderName);
        using var sent = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"{{ProviderSessions.Customer}}","text":"hello","sendAt":"{{DateTimeOffset.UtcNow.AddHours(1):O}}"}"""));
        var id = (await Json.ReadAsync(sent)).Str("id");

        var (status, problem) = await MarkReadAsync(key, id);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("outbound", problem.Str("detail"));
        Assert.Equal("scheduled", (await GetAsync(key, id)).Str("status"));
    }

    public static TheoryData<string, int> BriefFailures => new()
    {
        { WhatsAppCloudProvider.ProviderName, 500 },
        { WhatsAppCloudProvider.ProviderName, 429 },
        { WahaProvider.ProviderName, 503 },
        { EvolutionProvider.ProviderName, 500 },
    };

    [Theory]
    [MemberData(nameof(BriefFailures))]
    public async Task AProviderFailingBrieflyIs503WithRetryAfterAndTheMessageStaysReceivedUntilARetryWorks(string provider, int answer)
    {
        var (session, key) = await _sessions.NewAsync(provider);
        var message = await _sessions.ReceiveAsync(session);
        FailNext(provider, session, message, answer, retryAfter: "7");

        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, $"/messages/{message.Id}/read", key));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Contains(provider, (await Json.ReadAsync(response)).Str("detail"));
        var row = await GetAsync(key, message.Id);
        Assert.Equal("received", row.Str("status"));
        AssertMarkedAtProvider(provider, session, message, times: 0);

        Recover(provider, session, message);
        var (status, body) = await MarkReadAsync(key, message.Id);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("read", body.Str("status"));
        AssertMarkedAtProvider(provider, session, message, times: 1);
    }

    [Fact]
    public async Task AProviderRefusalIs502WithItsReasonAndTheMessageStaysReceived()
    {
        var (session, key) = await _sessions.NewAsync(WhatsAppCloudProvider.ProviderName);
        var message = await _sessions.ReceiveAsync(session);
        cloud.ReadScripts[message.ProviderMessageId!] = new FakeCloudApi.Scripted(400,
            FakeCloudApi.Error(131009, "(#131009) Parameter value is not valid", "message_id is older than 30 days"));

        var (status, problem) = await MarkReadAsync(key, message.Id);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("131009", problem.Str("detail"));
        Assert.DoesNotContain(cloud.AccessToken, problem.GetRawText());
        Assert.Equal("received", (await GetAsync(key, message.Id)).Str("status"));
    }

    [Fact]
    public async Task AWrongApiKeyAtWahaIs502()
    {
        var (session, key) = await _sessions.NewAsync(WahaProvider.ProviderName);
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session with
        {
            SecretNames = new Dictionary<string, string> { ["apiKey"] = "cloud_token" }, // a configured secret, not WAHA's key
        });
        var message = await _sessions.ReceiveAsync(session);

        var (status, problem) = await MarkReadAsync(key, message.Id);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("apiKey", problem.Str("detail"));
        Assert.DoesNotContain(waha.Seen, s => s["session"]!.GetValue<string>() == session.Setting("wahaSession"));
        Assert.Equal("received", (await GetAsync(key, message.Id)).Str("status"));
    }

    [Fact]
    public async Task AProviderThatCannotMarkReadIs422()
    {
        var (session, key) = await _sessions.NewAsync(ScriptedProvider.ProviderName);
        var message = await _sessions.ReceiveAsync(session);

        var (status, problem) = await MarkReadAsync(key, message.Id);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("does not mark messages read", problem.Str("detail"));
        Assert.Equal("received", (await GetAsync(key, message.Id)).Str("status"));
    }

    [Fact]
    public async Task AMessageOutsideTheKeysSessionsIs404AsIfUnknownAndIsNotMarked()
    {
        var (session, _) = await _sessions.NewAsync(WhatsAppCloudProvider.ProviderName);
        var (_, otherKey) = await _sessions.NewAsync(WhatsAppCloudProvider.ProviderName);
        var message = await _sessions.ReceiveAsync(session);

        var (outside, outsideProblem) = await MarkReadAsync(otherKey, message.Id);
        var (unknown, unknownProblem) = await MarkReadAsync(otherKey, MessageId.New(session.Id, DateTimeOffset.UtcNow).Value);
        var (malformed, _) = await MarkReadAsync(otherKey, "msg_nonsense");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (outside, unknown, malformed));
        Assert.Equal(unknownProblem.Str("detail"), outsideProblem.Str("detail"));
        Assert.DoesNotContain(cloud.Reads, r => r.MessageId == message.ProviderMessageId);
        var row = await _app.Services.GetRequiredService<MessageStore>().FindAsync(message.MessageId);
        Assert.Equal("received", row!.Status);
    }

    [Fact]
    public async Task WithoutAKeyIs401()
    {
        var (session, _) = await _sessions.NewAsync(SandboxProvider.ProviderName);
        var message = await _sessions.ReceiveAsync(session);

        var (status, _) = await MarkReadAsync(null, message.Id);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task ADisabledSessionIs409AndItsProviderIsNotAsked()
    {
        var (session, key) = await _sessions.NewAsync(WhatsAppCloudProvider.ProviderName);
        var message = await _sessions.ReceiveAsync(session);
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session with { Enabled = false });

        var (status, problem) = await MarkReadAsync(key, message.Id);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("session", out _));
        Assert.DoesNotContain(cloud.Reads, r => r.MessageId == message.ProviderMessageId);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> MarkReadAsync(string? key, string id)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, $"/messages/{id}/read", key));
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, await Json.ReadAsync(response));
    }

    private async Task<JsonElement> GetAsync(string key, string id)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    /// <summary>The provider's fake got the documented read marking for the message <paramref name="times"/> times, and nothing else.</summary>
    private void AssertMarkedAtProvider(string provider, Session session, MessageEntity message, int times)
    {
        var id = message.ProviderMessageId!;
        var group = message.Chat == Group;
        switch (provider)
        {
            case WhatsAppCloudProvider.ProviderName:
                var reads = cloud.Reads.Where(r => r.MessageId == id).ToList();
                Assert.Equal(times, reads.Count);
                Assert.All(reads, r => Assert.True(JsonNode.DeepEquals(FakeBody("""{"messaging_product":"whatsapp","status":"read"}""", id), r.Body), r.Body.ToJsonString()));
                Assert.Empty(cloud.Violations);
                break;
            case WahaProvider.ProviderName:
                var seen = waha.Seen.Where(s => s["session"]!.GetValue<string>() == session.Setting("wahaSession")).ToList();
                Assert.Equal(times, seen.Count);
                Assert.All(seen, s =>
                {
                    Assert.Equal(group ? Group : "12025550123@c.us", s["chatId"]!.GetValue<string>());
                    Assert.Equal([id], s["messageIds"]!.AsArray().Select(m => m!.GetValue<string>()));
                    Assert.Equal(group ? "12025550123@c.us" : null, s["participant"]?.GetValue<string>());
                });
                break;
            case EvolutionProvider.ProviderName:
                var marked = evolution.Reads.Where(r => r.Instance == session.Setting("instance")).ToList();
                Assert.Equal(times, marked.Count);
                Assert.All(marked, r =>
                {
                    var expected = new JsonObject { ["remoteJid"] = group ? Group : "12025550123@s.whatsapp.net", ["fromMe"] = false, ["id"] = id };
                    Assert.True(JsonNode.DeepEquals(new JsonArray(expected), r.ReadMessages), r.ReadMessages.ToJsonString());
                });
                break;
            case SandboxProvider.ProviderName:
                break; // no network to tell
            default:
                throw new InvalidOperationException($"no fake for provider {provider}");
        }
    }

    private static JsonObject FakeBody(string json, string messageId)
    {
        var body = JsonNode.Parse(json)!.AsObject();
        body["message_id"] = messageId;
        return body;
    }

    private void FailNext(string provider, Session session, MessageEntity message, int status, string retryAfter)
    {
        switch (provider)
        {
            case WhatsAppCloudProvider.ProviderName:
                cloud.ReadScripts[message.ProviderMessageId!] = new FakeCloudApi.Scripted(status,
                    FakeCloudApi.Error(status == 429 ? 130429 : 131000, status == 429 ? "Rate limit hit" : "Something went wrong"), retryAfter);
                break;
            case WahaProvider.ProviderName:
                waha.AnswerNext(new FakeWaha.Answer(status, """{"statusCode":503,"message":"Service Unavailable"}""", retryAfter));
                break;
            case EvolutionProvider.ProviderName:
                var instance = evolution.Instances[session.Setting("instance")!];
                (instance.FailWith, instance.RetryAfter) = (status, retryAfter);
                break;
            default:
                throw new InvalidOperationException($"no fake for provider {provider}");
        }
    }

    private void Recover(string provider, Session session, MessageEntity message)
    {
        if (provider == WhatsAppCloudProvider.ProviderName)
            cloud.ReadScripts.TryRemove(message.ProviderMessageId!, out _);
        else if (provider == EvolutionProvider.ProviderName)
            evolution.Instances[session.Setting("instance")!].FailWith = null;
        // WAHA's scripted answer was taken by the call it answered.
    }
}
