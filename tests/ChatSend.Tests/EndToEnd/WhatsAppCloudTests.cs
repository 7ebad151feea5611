using System.Net;
using System.Text.Json;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// The <c>whatsapp-cloud</c> provider through the running local host, against a fake Cloud API written from Meta's
/// documentation: every message type sent and taken to read by signed status webhooks, every error row, the webhook
/// handshake and signature checks.
/// </summary>
public sealed class WhatsAppCloudTests(Azurite azurite, MediaServer media, FakeCloudApi cloud)
    : IClassFixture<Azurite>, IClassFixture<MediaServer>, IClassFixture<FakeCloudApi>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
        ["ChatSend:Delivery:MaxAttempts"] = "1", // an error row ends the message at once, with its reason
        ["ChatSend:WhatsAppCloud:Timeout"] = "00:00:02",
        ["ChatSend:Secrets:wa-token"] = cloud.AccessToken,
        ["ChatSend:Secrets:wa-wrong-token"] = "EAAGnot-the-token",
        ["ChatSend:Secrets:wa-app-secret"] = cloud.AppSecret,
        ["ChatSend:Secrets:wa-other-app-secret"] = "the-secret-of-another-meta-app",
        ["ChatSend:Secrets:wa-verify"] = cloud.VerifyToken,
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>
    /// A session with a business phone number of its own, as every Cloud API session has (unless told the number). Its
    /// customers never wrote, so the 24-hour window is off unless a test is about it.
    /// </summary>
    private async Task<(Session Session, string Key)> NewSessionAsync(string tokenSecret = "wa-token", string appSecret = "wa-app-secret",
        string? phoneNumberId = null, string? windowPolicy = "off")
    {
        var session = new Session("w" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WhatsAppCloudProvider.ProviderName,
            new Dictionary<string, string> { ["phoneNumberId"] = phoneNumberId ?? cloud.NewPhoneNumberId(), ["baseUrl"] = cloud.BaseUrl }
                .Concat(windowPolicy is null ? [] : [KeyValuePair.Create("windowPolicy", windowPolicy)]).ToDictionary(), Enabled: true,
            new Dictionary<string, string> { ["accessToken"] = tokenSecret, ["appSecret"] = appSecret, ["verifyToken"] = "wa-verify" });
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }

    /// <summary>Meta's status notification for the session's phone number.</summary>
    private static string Statuses(Session session, params System.Text.Json.Nodes.JsonObject[] statuses) =>
        FakeCloudApi.StatusPayload(session.Setting("phoneNumberId")!, statuses);

    /// <summary>Waits until the receipt handler has handled <paramref name="count"/> receipts of the message (applied or ignored).</summary>
    private Task ReceiptsHandledAsync(string id, int count) => _app.Logs.WaitForAsync(count, "ChatSend.Receipts.ReceiptHandler:", id);

    private static int _recipients = Random.Shared.Next(0, 5000);

    /// <summary>A valid US number unique in this run (the fake's calls and scripts are keyed by recipient).</summary>
    private static string NewRecipient() => "1202555" + (Interlocked.Increment(ref _recipients) % 10000).ToString("D4");

    private async Task<string> SendAsync(string key, string json)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, json));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await Json.ReadAsync(response)).Str("id");
    }

    private Task<MessageEntity?> FindAsync(string id)
    {
        MessageId.TryParse(id, out var messageId);
        return _app.Services.GetRequiredService<MessageStore>().FindAsync(messageId);
    }

    private Task<MessageEntity?> StatusAsync(string id, string status) =>
        Eventually.MatchesAsync(() => FindAsync(id), m => m?.Status == status, TimeSpan.FromSeconds(20));

    private async Task<FakeCloudApi.Call> CallToAsync(string to) =>
        (await Eventually.MatchesAsync(() => Task.FromResult(cloud.Calls.FirstOrDefault(c => c.To == to)), c => c is not null))!;

    private async Task PostAsync(string body, HttpStatusCode expected = HttpStatusCode.OK, string? signature = "sign")
    {
        using var response = await cloud.PostWebhookAsync(_app.Http.BaseAddress!, body, signature);
        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.OK)
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string, string, string> MessageTypes => new()
    {
        // field, media path on the media server, extra JSON, the Cloud API type
        { "imageUrl", "/file/jpeg/3000?type=image/jpeg", ""","text":"a caption" """, "image" },
        { "videoUrl", "/file/mp4/5000?type=video/mp4", ""","text":"a video" """, "video" },
        { "documentUrl", "/file/pdf/4000?type=application/pdf", ""","filename":"report.pdf","text":"the report" """, "document" },
        { "audioUrl", "/file/ogg/2000?type=audio/ogg", "", "audio" },
    };

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public async Task EachMediaTypeGoesByLinkWithTheStagedBytesAndReachesReadByWebhook(string field, string path, string extra, string type)
    {
        var (session, key) = await NewSessionAsync();
        var to = NewRecipient();
        var id = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{to}}","{{field}}":"{{media.Url(path)}}"{{extra}}}""");

        var call = await CallToAsync(to);
        Assert.Equal(type, call.Type);
        var sent = await StatusAsync(id, "sent");
        Assert.Equal(call.Id, sent!.ProviderMessageId);
        Assert.NotNull(call.MediaSha256);
        Assert.Equal(sent.MediaSha256, call.MediaSha256); // what Meta downloaded is what was staged
        var content = call.Body[type]!.AsObject();
        switch (type)
        {
            case "audio":
                Assert.True((bool)content["voice"]!);
                Assert.False(content.ContainsKey("caption"));
                break;
            case "document":
                Assert.Equal("report.pdf", (string?)content["filename"]);
                Assert.Equal("the report", (string?)content["caption"]);
                break;
            default:
                Assert.NotNull((string?)content["caption"]);
                break;
        }
        Assert.Equal("individual", (string?)call.Body["recipient_type"]);

        var at = DateTimeOffset.UtcNow;
        await PostAsync(Statuses(session, FakeCloudApi.Status(call.Id, "delivered", at)));
        await StatusAsync(id, "delivered");
        await PostAsync(Statuses(session, FakeCloudApi.Status(call.Id, "read", at.AddSeconds(2))));
        var read = await StatusAsync(id, "read");
        Assert.Equal(at.AddSeconds(2).ToUnixTimeSeconds(), read!.GetHistory().Last().At.ToUnixTimeSeconds());
        if (type == "audio")
        {
            await PostAsync(Statuses(session, FakeCloudApi.Status(call.Id, "played", at.AddSeconds(3))));
            await StatusAsync(id, "played");
        }
        Assert.Empty(cloud.Violations);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TextGoesWithPreviewUrlOnlyWhenTheMessageHasAPreviewAndReachesRead(bool preview)
    {
        var (session, key) = await NewSessionAsync();
        var to = NewRecipient();
        var previewJson = preview ? ""","preview":{"title":"Quest 3","url":"https://www.meta.com/quest/quest-3/"}""" : "";
        var id = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{to}}","text":"see https://www.meta.com/quest/quest-3/"{{previewJson}}}""");

        var call = await CallToAsync(to);
        Assert.Equal("text", call.Type);
        Assert.Equal("see https://www.meta.com/quest/quest-3/", (string?)call.Body["text"]!["body"]);
        Assert.Equal(preview, (bool)call.Body["text"]!["preview_url"]!);
        Assert.Equal(to, (string?)call.Body["to"]);
        await StatusAsync(id, "sent");
        // Out of order, as Meta may send them: read first, then a late delivered that must not move it back.
        await PostAsync(Statuses(session, FakeCloudApi.Status(call.Id, "read", DateTimeOffset.UtcNow)));
        await StatusAsync(id, "read");
        await PostAsync(Statuses(session, FakeCloudApi.Status(call.Id, "delivered", DateTimeOffset.UtcNow)));
        await ReceiptsHandledAsync(id, 2); // the late delivered too: ignored
        Assert.Equal("read", (await FindAsync(id))!.Status);
        Assert.Empty(cloud.Violations);
    }

    [Fact]
    public async Task AReplayedStatusChangesTheMessageOnceAndAnUnknownIdIsAcknowledged()
    {
        var (session, key) = await NewSessionAsync();
        var to = NewRecipient();
        var id = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{to}}","text":"twice"}""");
        var call = await CallToAsync(to);
        await StatusAsync(id, "sent");

        var delivered = Statuses(session, FakeCloudApi.Status(call.Id, "delivered", DateTimeOffset.UtcNow),
            FakeCloudApi.Status("wamid.unknown-" + Guid.NewGuid().ToString("N"), "delivered", DateTimeOffset.UtcNow));
        await PostAsync(delivered);
        await PostAsync(delivered);
        await StatusAsync(id, "delivered");
        await ReceiptsHandledAsync(id, 2); // the replay too: ignored
        await _app.Logs.WaitForAsync(2, $"for session {session.Id}: a provider id no message has yet");
        Assert.Single((await FindAsync(id))!.GetHistory(), h => h.Status == MessageStatus.Delivered);
    }

    [Fact]
    public async Task AFailedStatusEndsTheMessageWithMetasCodeAndDetails()
    {
        var (session, key) = await NewSessionAsync();
        var to = NewRecipient();
        var id = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{to}}","text":"nobody there"}""");
        var call = await CallToAsync(to);
        await StatusAsync(id, "sent");

        await PostAsync(Statuses(session, FakeCloudApi.Status(call.Id, "failed", DateTimeOffset.UtcNow,
            FakeCloudApi.StatusError(131026, "Message undeliverable", "Message Undeliverable."))));
        var failed = await StatusAsync(id, "failed");
        Assert.Equal("WhatsApp reported the message failed (error 131026): Message undeliverable: Message Undeliverable.", failed!.FailureReason);
    }

    [Theory]
    [InlineData("bad")]
    [InlineData("wrong-secret")]
    [InlineData("missing")]
    public async Task AWebhookWithABadSignatureIsRefusedAndChangesNothing(string kind)
    {
        var (session, key) = await NewSessionAsync();
        var to = NewRecipient();
        var id = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{to}}","text":"hold"}""");
        var call = await CallToAsync(to);
        await StatusAsync(id, "sent");

        var body = Statuses(session, FakeCloudApi.Status(call.Id, "read", DateTimeOffset.UtcNow));
        var signature = kind switch
        {
            "bad" => "sha256=" + new string('0', 64),
            "wrong-secret" => cloud.Sign(body, "not-the-app-secret"),
            _ => null,
        };
        await PostAsync(body, HttpStatusCode.Unauthorized, signature);
        // Signed for another body: a valid signature does not carry over.
        await PostAsync(body.Replace("\"read\"", "\"failed\""), HttpStatusCode.Unauthorized, cloud.Sign(body));
        // Each refused at verification, which comes before anything is queued: there is no receipt to wait for.
        Assert.Equal(2, _app.Logs.Lines.Count(l => l.Contains($"whatsapp-cloud callback naming {session.Setting("phoneNumberId")} refused: the signature or token does not match")));
        Assert.Equal("sent", (await FindAsync(id))!.Status);
    }

    [Theory]
    [InlineData("read")]
    [InlineData("failed")]
    public async Task AVerifiedStatusNamingAnotherSessionsMessageChangesNothingAndIsAcknowledgedAsUnknown(string status)
    {
        var (victim, key) = await NewSessionAsync();
        var (attacker, _) = await NewSessionAsync();
        var to = NewRecipient();
        var id = await SendAsync(key, $$"""{"session":"{{victim.Id}}","to":"+{{to}}","text":"mine"}""");
        var call = await CallToAsync(to);
        await StatusAsync(id, "sent");

        // The attacker's own phone number id, signed with its own app secret: valid for its session, about the victim's message.
        await PostAsync(Statuses(attacker, FakeCloudApi.Status(call.Id, status, DateTimeOffset.UtcNow)));
        await _app.Logs.WaitForAsync(1, $"for session {attacker.Id}: a provider id no message has yet");
        Assert.Equal("sent", (await FindAsync(id))!.Status);

        await PostAsync(Statuses(victim, FakeCloudApi.Status(call.Id, status, DateTimeOffset.UtcNow)));
        await StatusAsync(id, status);
    }

    [Fact]
    public async Task ANotificationForSeveralNumbersIsVerifiedForEachAndEachStatusReachesOnlyItsOwnSession()
    {
        var (first, firstKey) = await NewSessionAsync();
        var (second, secondKey) = await NewSessionAsync(); // another number of the same Meta app: the same app secret
        var (other, _) = await NewSessionAsync(appSecret: "wa-other-app-secret");
        var (to1, to2) = (NewRecipient(), NewRecipient());
        var id1 = await SendAsync(firstKey, $$"""{"session":"{{first.Id}}","to":"+{{to1}}","text":"one"}""");
        var id2 = await SendAsync(secondKey, $$"""{"session":"{{second.Id}}","to":"+{{to2}}","text":"two"}""");
        var (call1, call2) = (await CallToAsync(to1), await CallToAsync(to2));
        await StatusAsync(id1, "sent");
        await StatusAsync(id2, "sent");
        var read1 = Statuses(first, FakeCloudApi.Status(call1.Id, "read", DateTimeOffset.UtcNow));

        // Signed with the app's secret, which is not the other session's: the whole notification is refused.
        await PostAsync(Combined(read1, Statuses(other, FakeCloudApi.Status(call2.Id, "read", DateTimeOffset.UtcNow))), HttpStatusCode.Unauthorized);
        Assert.Equal("sent", (await FindAsync(id1))!.Status);

        await PostAsync(Combined(read1, Statuses(second, FakeCloudApi.Status(call2.Id, "read", DateTimeOffset.UtcNow))));
        await StatusAsync(id1, "read");
        await StatusAsync(id2, "read");
    }

    [Theory]
    [InlineData("wa-app-secret")]
    [InlineData("wa-other-app-secret")]
    public async Task SessionsStoredBeforeANumberWasOneSessionsEachGetTheirStatusesFromTheAppTheyTrust(string secondAppSecret)
    {
        // Stored directly, as before the session command refused a second session with the number.
        var phone = cloud.NewPhoneNumberId();
        var (first, firstKey) = await NewSessionAsync(phoneNumberId: phone);
        var (second, secondKey) = await NewSessionAsync(appSecret: secondAppSecret, phoneNumberId: phone);
        var (to1, to2) = (NewRecipient(), NewRecipient());
        var id1 = await SendAsync(firstKey, $$"""{"session":"{{first.Id}}","to":"+{{to1}}","text":"one"}""");
        var id2 = await SendAsync(secondKey, $$"""{"session":"{{second.Id}}","to":"+{{to2}}","text":"two"}""");
        var (call1, call2) = (await CallToAsync(to1), await CallToAsync(to2));
        await StatusAsync(id1, "sent");
        await StatusAsync(id2, "sent");

        // Signed with the first session's app secret: the second's message moves only when it trusts the same app.
        await PostAsync(Statuses(first, FakeCloudApi.Status(call1.Id, "read", DateTimeOffset.UtcNow), FakeCloudApi.Status(call2.Id, "read", DateTimeOffset.UtcNow)));
        await StatusAsync(id1, "read");
        if (secondAppSecret == "wa-app-secret")
            await StatusAsync(id2, "read");
        else
        {
            await _app.Logs.WaitForAsync(1, $"for session {first.Id}: a provider id no message has yet");
            Assert.Equal("sent", (await FindAsync(id2))!.Status);
            // The other app's notification for the same number reaches it.
            var fromItsApp = Statuses(second, FakeCloudApi.Status(call2.Id, "read", DateTimeOffset.UtcNow));
            await PostAsync(fromItsApp, signature: cloud.Sign(fromItsApp, "the-secret-of-another-meta-app"));
            await StatusAsync(id2, "read");
        }
    }

    /// <summary>One notification holding the changes of several, as Meta batches the changes of one business account.</summary>
    private static string Combined(params string[] notifications)
    {
        var all = notifications.Select(n => System.Text.Json.Nodes.JsonNode.Parse(n)!).ToList();
        var changes = all[0]["entry"]![0]!["changes"]!.AsArray();
        foreach (var more in all.Skip(1))
            foreach (var change in more["entry"]![0]!["changes"]!.AsArray().ToList())
                changes.Add(change!.DeepClone());
        return all[0].ToJsonString();
    }

    [Fact]
    public async Task AStatusOfAnotherShapeThanDocumentedIsSkippedAndTheOthersInTheNotificationAreApplied()
    {
        var (session, key) = await NewSessionAsync();
        var to = NewRecipient();
        var id = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{to}}","text":"odd company"}""");
        var call = await CallToAsync(to);
        await StatusAsync(id, "sent");

        var failedStatus = FakeCloudApi.Status(call.Id, "failed", DateTimeOffset.UtcNow, FakeCloudApi.StatusError(131026, "Message undeliverable", "x"));
        failedStatus["timestamp"] = 1700000000; // a number where Meta documents a string: the time is not taken, the status is
        failedStatus["errors"]![0]!["error_data"] = "not an object";
        var odd = new System.Text.Json.Nodes.JsonObject { ["id"] = 12345, ["status"] = "read" }; // an id that is no string
        await PostAsync(Statuses(session, odd, failedStatus));

        var failed = await StatusAsync(id, "failed");
        Assert.Equal("WhatsApp reported the message failed (error 131026): Message undeliverable", failed!.FailureReason);
    }

    [Fact]
    public async Task AWebhookForAPhoneNumberNoSessionHasIsRefused()
    {
        await NewSessionAsync();
        var body = FakeCloudApi.StatusPayload("999000111", FakeCloudApi.Status("wamid.x", "read", DateTimeOffset.UtcNow));
        await PostAsync(body, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheHandshakeEchoesTheChallengeOnlyForTheVerifyToken()
    {
        await NewSessionAsync();
        using var ok = await _app.Http.GetAsync($"/webhooks/whatsapp-cloud?hub.mode=subscribe&hub.verify_token={cloud.VerifyToken}&hub.challenge=1158201444");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("text/plain", ok.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());

        foreach (var query in new[]
                 {
                     "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444",
                     $"hub.mode=unsubscribe&hub.verify_token={cloud.VerifyToken}&hub.challenge=1158201444",
                     "hub.mode=subscribe&hub.challenge=1158201444",
                 })
        {
            using var refused = await _app.Http.GetAsync("/webhooks/whatsapp-cloud?" + query);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("1158201444", await refused.Content.ReadAsStringAsync());
        }
    }

    public static TheoryData<int, string, string?, int, bool, int?, string> ErrorRows => new()
    {
        // HTTP status, body, Retry-After, delay (ms), transient, retry after (s), what the reason says
        { 429, "", "7", 0, true, 7, "throttling (HTTP 429)" },
        { 500, "", null, 0, true, null, "failed (HTTP 500)" },
        { 503, "", "2", 0, true, 2, "failed (HTTP 503)" },
        { 200, "", null, 4000, true, null, "did not answer in time" },
        { 400, FakeCloudApi.Error(130429, "Rate limit hit"), "3", 0, true, 3, "Meta error 130429" },
        { 400, FakeCloudApi.Error(131056, "(Business Account, Consumer Account) pair rate limit hit"), null, 0, true, null, "Meta error 131056" },
        { 500, FakeCloudApi.Error(131000, "Something went wrong"), null, 0, true, null, "Meta error 131000" },
        { 503, FakeCloudApi.Error(131016, "Service unavailable"), null, 0, true, null, "Meta error 131016" },
        { 400, FakeCloudApi.Error(4, "(#4) Application request limit reached"), null, 0, true, null, "Meta error 4" },
        { 400, FakeCloudApi.Error(80007, "Rate limit issues"), null, 0, true, null, "Meta error 80007" },
        { 400, FakeCloudApi.Error(131047, "Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."),
            null, 0, false, null, "more than 24 hours since the customer's last message: a template is required" },
        { 400, FakeCloudApi.Error(131026, "Message undeliverable"), null, 0, false, null, "the recipient may not be on WhatsApp" },
        { 400, FakeCloudApi.Error(131030, "Recipient phone number not in allowed list"), null, 0, false, null, "not in the allowed list" },
        { 400, FakeCloudApi.Error(131021, "Recipient cannot be sender"), null, 0, false, null, "the sending number itself" },
        { 400, FakeCloudApi.Error(100, "(#100) Invalid parameter"), null, 0, false, null, "invalid or unsupported parameter" },
        { 400, FakeCloudApi.Error(131008, "Required parameter is missing"), null, 0, false, null, "required parameter is missing" },
        { 400, FakeCloudApi.Error(131009, "Parameter value is not valid"), null, 0, false, null, "parameter value is not valid" },
        { 401, FakeCloudApi.Error(190, "Error validating access token: Session has expired"), null, 0, false, null, "expired or is not valid" },
        { 401, "", null, 0, false, null, "refused (HTTP 401)" },
        { 403, FakeCloudApi.Error(200, "Permissions error"), null, 0, false, null, "refused the message (HTTP 403)" },
    };

    [Theory]
    [MemberData(nameof(ErrorRows))]
    public async Task EachCloudApiErrorIsTransientOrPermanentWithAReasonAPersonUnderstands(
        int status, string body, string? retryAfter, int delayMs, bool transient, int? retryAfterSeconds, string reason)
    {
        var (session, key) = await NewSessionAsync();
        var to = NewRecipient();
        cloud.Scripts[to] = new FakeCloudApi.Scripted(status, body, retryAfter, delayMs > 0 ? TimeSpan.FromMilliseconds(delayMs) : null);

        // The provider's verdict, as delivery sees it.
        var provider = _app.Services.GetServices<IChannelProvider>().OfType<WhatsAppCloudProvider>().Single();
        var message = new OutboundMessage(MessageId.New(session.Id, DateTimeOffset.UtcNow), MessageType.Text, session.SenderPhone, "+" + to, "hello", null);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => provider.SendAsync(message, session, CancellationToken.None));
        Assert.Equal(transient, ex.IsTransient);
        Assert.Equal(retryAfterSeconds, (int?)ex.RetryAfter?.TotalSeconds);
        Assert.Contains(reason, ex.Message);
        Assert.DoesNotContain(cloud.AccessToken, ex.Message);

        // And through the host: the message ends failed with that reason (one attempt allowed here).
        var id = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{to}}","text":"hello"}""");
        var failed = await StatusAsync(id, "failed");
        Assert.Contains(reason, failed!.FailureReason);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains(cloud.AccessToken));
    }

    [Fact]
    public async Task AWrongAccessTokenIsRefusedByTheApiAndFailsTheMessagePermanently()
    {
        var (session, key) = await NewSessionAsync("wa-wrong-token");
        var id = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{NewRecipient()}}","text":"hello"}""");
        var failed = await StatusAsync(id, "failed");
        Assert.Contains("the access token has expired or is not valid", failed!.FailureReason);
        Assert.DoesNotContain("EAAGnot-the-token", failed.FailureReason);
    }

    [Fact]
    public async Task AGroupRecipientIsRefusedAtSendBecauseTheCloudApiHasNoGroups()
    {
        var (session, key) = await NewSessionAsync();
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"120363025246125486@g.us","text":"hello group"}"""));
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Contains("to", JsonSerializer.Serialize(await Json.ReadAsync(response)));
    }

    // The 24-hour window, as a Cloud API session keeps it by default (windowPolicy enforce).

    private async Task CustomerWritesAsync(Session session, string from) =>
        await PostAsync(FakeCloudApi.MessagesPayload(session.Setting("phoneNumberId")!, FakeCloudApi.Contact(from),
            [FakeCloudApi.Message(from, "text", FakeCloudApi.TextContent("hello?"), DateTimeOffset.UtcNow)]));

    private async Task<HttpResponseMessage> TrySendAsync(string key, Session session, string to) =>
        await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, $$"""{"session":"{{session.Id}}","to":"+{{to}}","text":"hello"}"""));

    private async Task<bool> WindowOpenAsync(string key, Session session, string to)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}/chats/%2B{to}", key));
        return (await Json.ReadAsync(response)).GetProperty("windowOpen").GetBoolean();
    }

    [Fact]
    public async Task ACloudSessionAnswersOnlyInsideTheWindowByDefault()
    {
        var (session, key) = await NewSessionAsync(windowPolicy: null);
        var to = NewRecipient();

        using (var closed = await TrySendAsync(key, session, to))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, closed.StatusCode);
        await CustomerWritesAsync(session, to);
        await Eventually.MatchesAsync(() => WindowOpenAsync(key, session, to), open => open);
        using var open = await TrySendAsync(key, session, to);

        Assert.Equal(HttpStatusCode.Accepted, open.StatusCode);
        await CallToAsync(to); // it reached Meta
    }

    [Fact]
    public async Task A131047AnsweredAtOnceFailsTheMessageAndClosesTheChatsWindow()
    {
        var (session, key) = await NewSessionAsync(windowPolicy: null);
        var to = NewRecipient();
        await CustomerWritesAsync(session, to);
        await Eventually.MatchesAsync(() => WindowOpenAsync(key, session, to), open => open);
        cloud.Scripts[to] = new FakeCloudApi.Scripted(400, FakeCloudApi.Error(131047, "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number."));

        using var sent = await TrySendAsync(key, session, to);
        var failed = await StatusAsync((await Json.ReadAsync(sent)).Str("id"), "failed");

        Assert.Contains("more than 24 hours", failed!.FailureReason);
        Assert.False(await WindowOpenAsync(key, session, to));
        using var next = await TrySendAsync(key, session, to);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, next.StatusCode);
    }

    [Fact]
    public async Task A131047InAStatusCallbackClosesTheChatsWindow()
    {
        var (session, key) = await NewSessionAsync(windowPolicy: null);
        var to = NewRecipient();
        await CustomerWritesAsync(session, to);
        await Eventually.MatchesAsync(() => WindowOpenAsync(key, session, to), open => open);
        using var sent = await TrySendAsync(key, session, to);
        var id = (await Json.ReadAsync(sent)).Str("id");
        var call = await CallToAsync(to);
        await StatusAsync(id, "sent");

        await PostAsync(Statuses(session, FakeCloudApi.Status(call.Id, "failed", DateTimeOffset.UtcNow,
            FakeCloudApi.StatusError(131047, "Re-engagement message", "More than 24 hours have passed since the customer last replied."))));

        Assert.Contains("131047", (await StatusAsync(id, "failed"))!.FailureReason);
        await Eventually.MatchesAsync(() => WindowOpenAsync(key, session, to), open => !open);
    }
}
