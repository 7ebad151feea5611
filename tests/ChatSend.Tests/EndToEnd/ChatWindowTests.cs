using System.Net;
using System.Text.Json;
using ChatSend.Chats;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Receipts;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// The 24-hour customer-service window through the local host on Azurite: a sandbox session told to enforce it
/// (<c>windowPolicy=enforce</c>, as the Cloud API's sessions do by default) refuses a free-form message to a chat whose
/// customer has not written in 24 hours with <c>422 window-closed</c>, and <c>GET /sessions/{session}/chats/{chat}</c>
/// says when the window closes. The host's clock runs in real time, moved on by whole hours where a test says so.
/// </summary>
public sealed class ChatWindowTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const string Customer = "+14155550123";
    private readonly MovableClock _clock = new();
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, services: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Real time, moved on by <see cref="Offset"/>: timers and delays keep running as they do.</summary>
    private sealed class MovableClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    private Task<(Session Session, string Key)> EnforcingSessionAsync() =>
        _app.NewSessionAsync(settings: new Dictionary<string, string> { [ChatWindows.PolicySetting] = ChatWindows.Enforce });

    private async Task<HttpResponseMessage> SendAsync(string session, string key, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["session"] = session, ["to"] = Customer, ["text"] = "hello" };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
            body[property.Name] = property.GetValue(extra);
        return await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, JsonSerializer.Serialize(body)));
    }

    private async Task CustomerWritesAsync(string session, string key)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, $"/sandbox/sessions/{session}/inbound", key,
            JsonSerializer.Serialize(new { from = Customer, text = "hi, where is my order?" })));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<JsonElement> ChatAsync(string session, string key, string chat = "%2B14155550123")
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session}/chats/{chat}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    private async Task<int> MessageCountAsync(string session)
    {
        var count = 0;
        await foreach (var _ in azurite.Clients.Table(StorageNames.MessagesTable).QueryAsync<Azure.Data.Tables.TableEntity>(
                           MessageRowKeys.Messages.Filter(session), select: ["RowKey"]))
            count++;
        return count;
    }

    [Fact]
    public async Task AFreeFormMessageToACustomerWhoNeverWroteIs422WindowClosedNamingToAndNothingIsStored()
    {
        var (session, key) = await EnforcingSessionAsync();

        using var response = await SendAsync(session.Id, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json.ReadAsync(response);
        Assert.EndsWith("/window-closed", problem.Str("type"));
        Assert.True(problem.GetProperty("errors").TryGetProperty("to", out _));
        Assert.Equal(JsonValueKind.Null, problem.GetProperty("windowOpenUntil").ValueKind);
        Assert.Equal(0, await MessageCountAsync(session.Id));
    }

    [Fact]
    public async Task ACustomersMessageOpensTheWindowFor24HoursAndItClosesAfter()
    {
        var (session, key) = await EnforcingSessionAsync();
        await CustomerWritesAsync(session.Id, key);

        var chat = await ChatAsync(session.Id, key);
        var last = chat.GetProperty("lastInboundAt").GetDateTimeOffset();
        Assert.Equal((Customer, true, last.AddHours(24)), (chat.Str("chat"), chat.GetProperty("windowOpen").GetBoolean(),
            chat.GetProperty("windowOpenUntil").GetDateTimeOffset()));
        Assert.Equal(JsonValueKind.Null, chat.GetProperty("onWhatsApp").ValueKind);
        using (var answered = await SendAsync(session.Id, key))
            Assert.Equal(HttpStatusCode.Accepted, answered.StatusCode);

        _clock.Offset = TimeSpan.FromHours(25);
        using var late = await SendAsync(session.Id, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, late.StatusCode);
        Assert.Equal(last.AddHours(24), (await Json.ReadAsync(late)).GetProperty("windowOpenUntil").GetDateTimeOffset());
        Assert.False((await ChatAsync(session.Id, key)).GetProperty("windowOpen").GetBoolean());
    }

    [Fact]
    public async Task AScheduledMessageIsCheckedForTheTimeItWillBeSent()
    {
        var (session, key) = await EnforcingSessionAsync();
        await CustomerWritesAsync(session.Id, key);

        using var soon = await SendAsync(session.Id, key, new { sendAt = _clock.GetUtcNow().AddHours(2).ToString("O") });
        using var tooLate = await SendAsync(session.Id, key, new { sendAt = _clock.GetUtcNow().AddHours(30).ToString("O") });

        Assert.Equal(HttpStatusCode.Accepted, soon.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLate.StatusCode);
        Assert.Contains("before sendAt", (await Json.ReadAsync(tooLate)).Str("detail"));
    }

    [Fact]
    public async Task ASessionThatDoesNotEnforceTheWindowSendsToAnyoneAndTheProvidersDefaultsAreAsDocumented()
    {
        var (session, key) = await _app.NewSessionAsync(); // the sandbox: off unless set

        using var response = await SendAsync(session.Id, key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var providers = _app.Services.GetRequiredService<ChatSend.Providers.ChannelProviders>();
        Assert.Equal(ChatWindows.Enforce, providers.Find("whatsapp-cloud")!.DefaultWindowPolicy);
        Assert.All(["sandbox", "waha", "evolution"], p => Assert.Equal(ChatWindows.Off, providers.Find(p)!.DefaultWindowPolicy));
    }

    [Fact]
    public async Task AMessageTheProviderDeliversLateDoesNotMoveTheWindowBack()
    {
        var (session, key) = await EnforcingSessionAsync();
        var recorder = _app.Services.GetRequiredService<InboundRecorder>();
        var now = _clock.GetUtcNow();
        async Task ReceiveAsync(DateTimeOffset sentAt) => Assert.True((await recorder.RecordAsync(session, "sandbox",
            new InboundReport(session.Id, "p-" + Guid.NewGuid().ToString("N"), sentAt, Customer, Customer, MessageType.Text, "hi"),
            CancellationToken.None)).Recorded);

        await ReceiveAsync(now.AddMinutes(-1));
        await ReceiveAsync(now.AddHours(-20)); // a provider's retry of a message from hours ago

        var chat = await ChatAsync(session.Id, key);
        Assert.Equal(now.AddMinutes(-1).AddHours(24).ToUnixTimeSeconds(), chat.GetProperty("windowOpenUntil").GetDateTimeOffset().ToUnixTimeSeconds());
    }

    [Fact]
    public async Task CustomersWritingOnTwoInstancesAtOnceLeaveTheLatestTimeInTheChatsRecord()
    {
        var (session, key) = await EnforcingSessionAsync();
        await using var elsewhere = new TestServices(azurite);
        var here = _app.Services.GetRequiredService<InboundRecorder>();
        var there = elsewhere.Get<InboundRecorder>();
        var start = _clock.GetUtcNow().AddMinutes(-30);
        var times = Enumerable.Range(0, 16).Select(i => start.AddMinutes(i)).ToList();

        await Task.WhenAll(times.OrderBy(_ => Random.Shared.Next()).Select((at, i) => (i % 2 == 0 ? here : there).RecordAsync(session, "sandbox",
            new InboundReport(session.Id, "p-" + Guid.NewGuid().ToString("N"), at, Customer, Customer, MessageType.Text, "hi"), CancellationToken.None)));

        var record = await elsewhere.Get<ChatWindows>().ReadAsync(session.Id, Customer, CancellationToken.None);
        Assert.Equal(times[^1], record.LastInboundAt);
        Assert.Equal(16, await MessageCountAsync(session.Id));
    }

    [Fact]
    public async Task TheChatRouteAnswersOnlyForTheKeysSessionsAndNamesABadChat()
    {
        var (session, key) = await EnforcingSessionAsync();
        var (_, otherKey) = await _app.NewSessionAsync();

        foreach (var (k, chat, status) in new[]
                 {
                     (otherKey, "%2B14155550123", HttpStatusCode.NotFound),
                     (null, "%2B14155550123", HttpStatusCode.Unauthorized),
                     (key, "not-a-number", HttpStatusCode.BadRequest),
                 })
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}/chats/{chat}", k));
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var never = await ChatAsync(session.Id, key, "14155550199");
        Assert.Equal(("+14155550199", false), (never.Str("chat"), never.GetProperty("windowOpen").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, never.GetProperty("lastInboundAt").ValueKind);
    }

    private const string Catalogue = """
        [{"name":"order_update","language":"en_US","body":"Hi {{1}}, your order {{2}} has shipped."}]
        """;

    [Fact]
    public async Task TheWorkedExampleACustomerWritesTheBusinessAnswersAndADayLaterOnlyTheFallbackTemplateGoes()
    {
        var (session, key) = await _app.NewSessionAsync(settings: new Dictionary<string, string>
        {
            [ChatWindows.PolicySetting] = ChatWindows.Enforce,
            ["templates"] = Catalogue,
        });
        const string Fallback = """{"name":"order_update","language":"en_US","parameters":["Ana","123"]}""";
        await CustomerWritesAsync(session.Id, key);
        using (var answered = await SendAsync(session.Id, key))
            Assert.Equal(HttpStatusCode.Accepted, answered.StatusCode); // free-form, inside the window

        _clock.Offset = TimeSpan.FromHours(25);
        using (var refused = await SendAsync(session.Id, key))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        using var fallback = await SendAsync(session.Id, key, new { fallbackTemplate = JsonDocument.Parse(Fallback).RootElement });

        Assert.Equal(HttpStatusCode.Accepted, fallback.StatusCode);
        var message = await Json.ReadAsync(fallback);
        Assert.Equal(("template", true, "Hi Ana, your order 123 has shipped."),
            (message.Str("type"), message.GetProperty("fallback").GetBoolean(), message.Str("content")));

        _clock.Offset = TimeSpan.Zero;
        using var inside = await SendAsync(session.Id, key, new { fallbackTemplate = JsonDocument.Parse(Fallback).RootElement });
        var sentFreeForm = await Json.ReadAsync(inside);
        Assert.Equal(("text", false), (sentFreeForm.Str("type"), sentFreeForm.TryGetProperty("fallback", out _))); // the window is open: as written
    }

    [Fact]
    public async Task AFallbackTemplateIsCheckedAsATemplateAndNamedAsTheFallback()
    {
        var (session, key) = await _app.NewSessionAsync(settings: new Dictionary<string, string>
        {
            [ChatWindows.PolicySetting] = ChatWindows.Enforce,
            ["templates"] = Catalogue,
        });

        using var unknown = await SendAsync(session.Id, key,
            new { fallbackTemplate = JsonDocument.Parse("""{"name":"no_such","language":"en_US"}""").RootElement });
        using var withTemplate = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, $$"""
            {"session":"{{session.Id}}","to":"{{Customer}}","template":{"name":"order_update","language":"en_US","parameters":["a","b"]},
             "fallbackTemplate":{"name":"order_update","language":"en_US","parameters":["a","b"]} }
            """));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.True((await Json.ReadAsync(unknown)).GetProperty("errors").TryGetProperty("fallbackTemplate.name", out _));
        Assert.Equal(HttpStatusCode.BadRequest, withTemplate.StatusCode);
        Assert.True((await Json.ReadAsync(withTemplate)).GetProperty("errors").TryGetProperty("fallbackTemplate", out _));
        Assert.Equal(0, await MessageCountAsync(session.Id));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AScheduledMessageWhoseWindowClosedBeforeItsTimeGoesAsItsFallbackTemplateOrEndsFailed(bool withFallback)
    {
        var (session, key) = await _app.NewSessionAsync(settings: new Dictionary<string, string>
        {
            [ChatWindows.PolicySetting] = ChatWindows.Enforce,
            ["templates"] = Catalogue,
        });
        await CustomerWritesAsync(session.Id, key);
        var sendAt = DateTimeOffset.FromUnixTimeSeconds(_clock.GetUtcNow().AddSeconds(4).ToUnixTimeSeconds());
        using var accepted = withFallback
            ? await SendAsync(session.Id, key, new { sendAt = sendAt.ToString("O"),
                fallbackTemplate = JsonDocument.Parse("""{"name":"order_update","language":"en_US","parameters":["Ana","123"]}""").RootElement })
            : await SendAsync(session.Id, key, new { sendAt = sendAt.ToString("O") });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = MessageId.Parse((await Json.ReadAsync(accepted)).Str("id"));

        // Meta refuses an earlier free-form message with 131047 before this one's time comes.
        await _app.Services.GetRequiredService<ChatWindows>().CloseAsync(session.Id, Customer, _clock.GetUtcNow(), CancellationToken.None);

        var ended = await Eventually.MatchesAsync(() => _app.Services.GetRequiredService<MessageStore>().FindAsync(id),
            m => m?.Status is "sent" or "delivered" or "read" or "failed", TimeSpan.FromSeconds(30));
        if (withFallback)
            Assert.Equal(("template", true, "Hi Ana, your order 123 has shipped.", false), (ended!.Type, ended.Fallback, ended.Content, ended.Status == "failed"));
        else
            Assert.Equal(("failed", ChatSend.Delivery.DeliveryProcessor.WindowClosedReason), (ended!.Status, ended.FailureReason));
    }

    private async Task<JsonElement> DeliveredOrFailedAsync(string key, string id) =>
        await Eventually.MatchesAsync(async () =>
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
            return await Json.ReadAsync(response);
        }, m => m.Str("status") is not ("scheduled" or "queued" or "sending"));

    [Fact]
    public async Task AScheduledTemplateToAClosedWindowIsSentAtItsTimeNotFailedAsWindowClosed()
    {
        var (session, key) = await _app.NewSessionAsync(settings: new Dictionary<string, string>
        {
            [ChatWindows.PolicySetting] = ChatWindows.Enforce,
            ["templates"] = Catalogue,
        });
        using var accepted = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, $$"""
            {"session":"{{session.Id}}","to":"{{Customer}}","template":{"name":"order_update","language":"en_US","parameters":["a","b"]},
             "sendAt":"{{_clock.GetUtcNow().AddSeconds(5):O}}"}
            """)); // at least a second ahead when the host reads it, on a busy machine too
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var message = await DeliveredOrFailedAsync(key, (await Json.ReadAsync(accepted)).Str("id"));

        Assert.NotEqual("failed", message.Str("status")); // a template may go to a closed window: that is what it is for
    }

    [Fact]
    public async Task AScheduledMessageWhoseWindowClosedMeanwhileGoesOutAsItsFallbackTemplate()
    {
        var (session, key) = await _app.NewSessionAsync(settings: new Dictionary<string, string>
        {
            [ChatWindows.PolicySetting] = ChatWindows.Enforce,
            ["templates"] = Catalogue,
        });
        await CustomerWritesAsync(session.Id, key);
        using var accepted = await SendAsync(session.Id, key, new
        {
            sendAt = _clock.GetUtcNow().AddSeconds(3).ToString("O"),
            fallbackTemplate = JsonDocument.Parse("""{"name":"order_update","language":"en_US","parameters":["Ana","123"]}""").RootElement,
        });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("text", (await Json.ReadAsync(accepted)).Str("type")); // open at sendAt when accepted
        _clock.Offset = TimeSpan.FromHours(25); // the window closes before it goes

        var message = await DeliveredOrFailedAsync(key, (await Json.ReadAsync(accepted)).Str("id"));

        Assert.NotEqual("failed", message.Str("status")); // the contract: it goes out as its fallbackTemplate
    }

    [Fact]
    public async Task A131047StatusWhoseWindowCloseMeetsAStorageFaultClosesTheWindowWhenTheReceiptIsTriedAgain()
    {
        var (session, key) = await EnforcingSessionAsync();
        await CustomerWritesAsync(session.Id, key);
        await Eventually.MatchesAsync(async () => (await ChatAsync(session.Id, key)).GetProperty("windowOpen").GetBoolean(), open => open);
        using var accepted = await SendAsync(session.Id, key, new { sendAt = _clock.GetUtcNow().AddHours(2).ToString("O") });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = MessageId.Parse((await Json.ReadAsync(accepted)).Str("id"));
        await using var elsewhere = new TestServices(azurite);
        var receipt = new Receipt(id, MessageStatus.Failed, DateTimeOffset.UtcNow, Reason: "re-engagement (131047)") { ClosesWindow = true };
        for (var attempt = 0; attempt < 3; attempt++) // the storage client's first try and its two retries
            elsewhere.Faults.Next(Fault.Refuse, "GET messages()"); // the chat record, read by a query (its key holds the number)

        await Assert.ThrowsAnyAsync<Exception>(() => elsewhere.Get<ReceiptHandler>().ApplyAsync(receipt)); // the queue tries it again
        await elsewhere.Get<ReceiptHandler>().ApplyAsync(receipt);

        Assert.False((await ChatAsync(session.Id, key)).GetProperty("windowOpen").GetBoolean());
    }
}
