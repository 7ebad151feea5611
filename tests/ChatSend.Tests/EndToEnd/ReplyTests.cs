using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Evolution;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// <c>replyTo</c> on <c>POST /send</c> through the local host over Azurite: each provider is handed the quoted message's id
/// as its documentation says (Cloud API <c>context.message_id</c>, WAHA <c>reply_to</c>, Evolution <c>quoted.key.id</c>, the
/// sandbox in its own log), checked by each fake as the real API checks it; and an id that is not a message of the session
/// the provider has, or a provider that does not quote, is refused naming <c>replyTo</c> before anything is staged or stored.
/// </summary>
public sealed class ReplyTests(Azurite azurite, MediaServer media, FakeCloudApi cloud, FakeWaha waha, EvolutionServer evolution)
    : IClassFixture<Azurite>, IClassFixture<MediaServer>, IClassFixture<FakeCloudApi>, IClassFixture<FakeWaha>, IClassFixture<EvolutionServer>,
        IAsyncLifetime
{
    private TestApp _app = null!;
    private ProviderSessions _sessions = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>(ProviderSessions.Secrets(cloud))
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
            ["ChatSend:Delivery:MaxAttempts"] = "1", // a request a fake refuses fails the message at once, with its reason
        });
        _sessions = new ProviderSessions(_app, cloud, waha, evolution);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string> Providers => ProviderSessions.All;

    public static TheoryData<string> RealProviders => ProviderSessions.Real;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AReplyToACustomersMessageIsQuotedAtTheProvider(string provider)
    {
        var (session, key) = await _sessions.NewAsync(provider);
        var question = await _sessions.ReceiveAsync(session);

        var (status, answer) = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"{{ProviderSessions.Customer}}","text":"yes, tomorrow","replyTo":"{{question.Id}}"}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(question.Id, answer.Str("replyTo"));
        var sent = await SentAsync(answer.Str("id"));
        Assert.Equal(question.ProviderMessageId, await QuotedAtProviderAsync(provider, sent));
        Assert.Equal(question.Id, (await GetAsync(key, sent.Id)).Str("replyTo"));
        Assert.Empty(cloud.Violations);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AReplyToASentMessageQuotesTheIdTheProviderGaveIt(string provider)
    {
        var (session, key) = await _sessions.NewAsync(provider);
        var (_, first) = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"{{ProviderSessions.Customer}}","text":"your order is packed"}""");
        var earlier = await SentAsync(first.Str("id"));

        var (status, answer) = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"{{ProviderSessions.Customer}}","text":"and now shipped","replyTo":"{{earlier.Id}}"}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        var reply = await SentAsync(answer.Str("id"));
        Assert.Equal(earlier.ProviderMessageId, await QuotedAtProviderAsync(provider, reply));
        Assert.Null(await QuotedAtProviderAsync(provider, earlier)); // a message without replyTo quotes nothing
    }

    [Theory]
    [MemberData(nameof(RealProviders))]
    public async Task AMediaReplyCarriesTheQuoteToo(string provider)
    {
        var (session, key) = await _sessions.NewAsync(provider);
        var question = await _sessions.ReceiveAsync(session);

        var (status, answer) = await SendAsync(key, $$"""
            {"session":"{{session.Id}}","to":"{{ProviderSessions.Customer}}","imageUrl":"{{media.Url("/file/jpeg/3000?type=image/jpeg")}}","text":"this one?","replyTo":"{{question.Id}}"}
            """);

        Assert.Equal(HttpStatusCode.Accepted, status);
        var sent = await SentAsync(answer.Str("id"));
        Assert.Equal(question.ProviderMessageId, await QuotedAtProviderAsync(provider, sent));
        Assert.Empty(cloud.Violations);
    }

    [Theory]
    [InlineData("not-a-message-id")]
    [InlineData("msg_")]
    [InlineData("{session}-no-such-row")]
    public async Task AReplyToSomethingThatIsNotAMessageIdIs400NamingReplyTo(string replyTo)
    {
        var (session, key) = await _sessions.NewAsync(SandboxProvider.ProviderName);
        await AssertRefusedAsync(key, session.Id, replyTo.Replace("{session}", session.Id), "must be the id of a message");
    }

    [Fact]
    public async Task AReplyToAMessageTheSessionDoesNotHaveIs400NamingReplyTo()
    {
        var (session, key) = await _sessions.NewAsync(SandboxProvider.ProviderName);
        var unknown = MessageId.New(session.Id, DateTimeOffset.UtcNow).Value;
        await AssertRefusedAsync(key, session.Id, unknown, $"no message {unknown}");
    }

    [Fact]
    public async Task AReplyToAMessageOfAnotherSessionIs400NamingReplyToEvenForAKeyThatCoversBoth()
    {
        var (mine, _) = await _sessions.NewAsync(SandboxProvider.ProviderName);
        var (theirs, _) = await _sessions.NewAsync(SandboxProvider.ProviderName);
        var theirQuestion = await _sessions.ReceiveAsync(theirs);
        var both = await _app.Services.GetRequiredService<Auth.ApiKeyStore>().CreateAsync("test", [mine.Id, theirs.Id]);

        await AssertRefusedAsync(both, mine.Id, theirQuestion.Id, $"must be a message of session '{mine.Id}'");
    }

    [Fact]
    public async Task AReplyToASentMessageTheProviderHasNotTakenYetIs400NamingReplyTo()
    {
        var (session, key) = await _sessions.NewAsync(SandboxProvider.ProviderName);
        var (_, scheduled) = await SendAsync(key, $$"""
            {"session":"{{session.Id}}","to":"{{ProviderSessions.Customer}}","text":"later","sendAt":"{{DateTimeOffset.UtcNow.AddHours(1):O}}"}
            """);
        Assert.Equal("scheduled", scheduled.Str("status"));

        await AssertRefusedAsync(key, session.Id, scheduled.Str("id"), "has not been sent yet", sentBefore: 1);
    }

    [Fact]
    public async Task AProviderThatDoesNotQuoteIs422NamingReplyTo()
    {
        var (session, key) = await _sessions.NewAsync(ScriptedProvider.ProviderName);
        var question = await _sessions.ReceiveAsync(session);
        Assert.False(_app.Scripted.Capabilities.Replies);

        var (status, problem) = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"{{ProviderSessions.Customer}}","text":"yes","replyTo":"{{question.Id}}"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("does not send replies", problem.GetProperty("errors").GetProperty("replyTo")[0].GetString());
        using var list = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages?session={session.Id}&direction=outbound", key));
        Assert.Equal(0, (await Json.ReadAsync(list)).GetProperty("items").GetArrayLength()); // nothing stored that could be sent
    }

    /// <summary>
    /// A refused reply, with media so that a fetch would show: 400 naming replyTo, no message stored beyond
    /// <paramref name="sentBefore"/> (the customer's are not the session's sends) and no file staged for the session.
    /// </summary>
    private async Task AssertRefusedAsync(string key, string session, string replyTo, string said, int sentBefore = 0)
    {
        var (status, problem) = await SendAsync(key, $$"""
            {"session":"{{session}}","to":"{{ProviderSessions.Customer}}","imageUrl":"{{media.Url("/file/jpeg/3000?type=image/jpeg")}}","replyTo":"{{replyTo}}"}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem.GetProperty("errors");
        Assert.Equal(["replyTo"], errors.EnumerateObject().Select(e => e.Name));
        Assert.Contains(said, errors.GetProperty("replyTo")[0].GetString());
        using var list = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages?session={session}&direction=outbound", key));
        var stored = (await Json.ReadAsync(list)).GetProperty("items").GetArrayLength();
        Assert.True(stored == sentBefore, $"{stored} messages of the session are stored, not {sentBefore}");
        var staged = azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer).GetBlobsAsync(BlobTraits.None, BlobStates.None, $"msg_{session}_", CancellationToken.None);
        await foreach (var blob in staged)
            Assert.Fail($"{blob.Name} was staged for a refused reply");
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string key, string json)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, json));
        if (response.StatusCode != HttpStatusCode.Accepted)
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, await Json.ReadAsync(response));
    }

    private async Task<JsonElement> GetAsync(string key, string id)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    private async Task<MessageEntity> SentAsync(string id)
    {
        var row = await Eventually.MatchesAsync(() => _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(id)),
            m => m?.Status is "sent" or "delivered" or "read" or "failed", TimeSpan.FromSeconds(20));
        Assert.True(row!.ProviderMessageId is not null, $"{id} was not sent: {row.FailureReason}");
        return row;
    }

    /// <summary>The id the provider was given to quote for <paramref name="sent"/>, as its fake recorded the request (null: none).</summary>
    private async Task<string?> QuotedAtProviderAsync(string provider, MessageEntity sent)
    {
        var id = sent.ProviderMessageId!;
        switch (provider)
        {
            case WhatsAppCloudProvider.ProviderName:
                return Single(cloud.Calls.Where(c => c.Id == id).Select(c => c.Body)) ["context"]?["message_id"]?.GetValue<string>();
            case WahaProvider.ProviderName:
                return Single(waha.Calls.Where(c => c.MessageId == id).Select(c => c.Body))["reply_to"]?.GetValue<string>();
            case EvolutionProvider.ProviderName:
                return Single(evolution.Sent.Where(c => c.KeyId == id).Select(c => c.Body))["quoted"]?["key"]?["id"]?.GetValue<string>();
            case SandboxProvider.ProviderName:
                // The sandbox's own record of the send (the sandbox table: partition = the message id).
                var calls = azurite.Clients.Table(StorageNames.SandboxTable).QueryAsync<TableEntity>(e => e.PartitionKey == sent.Id);
                var logged = new List<TableEntity>();
                await foreach (var call in calls)
                    logged.Add(call);
                return Assert.Single(logged).GetString("QuotedProviderId");
            default:
                throw new InvalidOperationException($"no fake for provider {provider}");
        }
    }

    private static JsonObject Single(IEnumerable<JsonObject> bodies) => Assert.Single(bodies);
}
