using System.Net;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Providers.Waha;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// The WAHA provider end to end: the local host over Azurite sends through a fake WAHA that checks each request as
/// WAHA does, and WAHA's signed <c>message.ack</c> webhooks move the message on.
/// </summary>
public sealed class WahaProviderTests(Azurite azurite, MediaServer media, FakeWaha waha)
    : IClassFixture<Azurite>, IClassFixture<MediaServer>, IClassFixture<FakeWaha>, IAsyncLifetime
{
    private const string Phone = "+12025550123";
    private const string Group = "120363012345678901@g.us";
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
        ["ChatSend:Delivery:RetryBaseDelay"] = "00:00:01",
        ["ChatSend:Delivery:MaxAttempts"] = "2",
        ["ChatSend:Secrets:waha_key"] = FakeWaha.ApiKey,
        ["ChatSend:Secrets:waha_wrong_key"] = "not-the-key",
        ["ChatSend:Secrets:waha_hmac"] = FakeWaha.HmacKey,
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A ChatSend session on WAHA, and its WAHA session (WORKING unless told) on the fake.</summary>
    private async Task<(Session Session, string Key, string WahaSession)> NewSessionAsync(string wahaStatus = "WORKING",
        string apiKeySecret = "waha_key", bool nameWahaSession = true)
    {
        var id = "t" + Guid.NewGuid().ToString("N")[..12];
        var wahaSession = nameWahaSession ? "w" + Guid.NewGuid().ToString("N")[..10] : id;
        // Pacing off: WAHA's default pace (20 a minute, 10 s per recipient) would make these tests wait minutes.
        var settings = new Dictionary<string, string> { ["baseUrl"] = waha.BaseUrl, ["maxPerMinute"] = "0", ["minRecipientGapSeconds"] = "0" };
        if (nameWahaSession)
            settings["wahaSession"] = wahaSession;
        var session = new Session(id, "+15550100001", WahaProvider.ProviderName, settings, Enabled: true,
            SecretNames: new Dictionary<string, string> { ["apiKey"] = apiKeySecret, ["webhookHmacKey"] = "waha_hmac" });
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        waha.Sessions[wahaSession] = wahaStatus;
        return (session, await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]), wahaSession);
    }

    private async Task<string> SendAsync(Session session, string key, string fields)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, $$"""{"session":"{{session.Id}}","{{fields}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await Json.ReadAsync(response)).Str("id");
    }

    private Task<MessageEntity> StatusAsync(string id, string status, TimeSpan? within = null)
    {
        MessageId.TryParse(id, out var messageId);
        return Eventually.MatchesAsync(async () => (await _app.Services.GetRequiredService<MessageStore>().FindAsync(messageId))!,
            m => m?.Status == status, within)!;
    }

    /// <summary>Waits until the receipt handler has handled <paramref name="count"/> receipts of the message (applied or ignored).</summary>
    private Task ReceiptsHandledAsync(string id, int count) => _app.Logs.WaitForAsync(count, "ChatSend.Receipts.ReceiptHandler:", id);

    private async Task AckAsync(Session session, string wahaSession, string providerId, int ack)
    {
        using var response = await waha.PostAckAsync(_app.Http.BaseAddress!, session.Id, wahaSession, providerId, ack);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Sends, checks the one WAHA call, then plays WAHA's acks up to <paramref name="last"/>, each applied in turn.</summary>
    private async Task<FakeWaha.Call> SendToTheEndAsync(string fields, string expectedPath, string to = Phone, int last = 3,
        bool nameWahaSession = true)
    {
        var (session, key, wahaSession) = await NewSessionAsync(nameWahaSession: nameWahaSession);
        var id = await SendAsync(session, key, fields);
        var sent = await StatusAsync(id, "sent");
        var call = Assert.Single(waha.Calls, c => c.MessageId == sent.ProviderMessageId);
        Assert.Equal(expectedPath, call.Path);
        Assert.Equal(FakeWaha.ApiKey, call.ApiKeyHeader);
        Assert.Equal(wahaSession, call.Body["session"]!.GetValue<string>());
        Assert.Equal(WahaProvider.ChatId(to), call.Body["chatId"]!.GetValue<string>());
        if (call.MediaSha256 is not null)
            Assert.Equal(sent.MediaSha256, call.MediaSha256);

        await AckAsync(session, wahaSession, call.MessageId, 1); // server: already sent, nothing changes
        var statuses = new Dictionary<int, string> { [2] = "delivered", [3] = "read", [4] = "played" };
        MessageEntity row = sent;
        for (var ack = 2; ack <= last; ack++)
        {
            await AckAsync(session, wahaSession, call.MessageId, ack);
            row = await StatusAsync(id, statuses[ack]);
        }
        Assert.Equal(["queued", "sent", .. Enumerable.Range(2, last - 1).Select(a => statuses[a])], row.GetHistory().Select(h => h.Status.ToWire()));
        return call;
    }

    [Fact]
    public async Task ATextGoesToSendTextAndWahasAcksTakeItToRead()
    {
        var call = await SendToTheEndAsync("""to":"+1 (202) 555-0123","text":"hello from ChatSend""", "/api/sendText");
        Assert.Equal("hello from ChatSend", call.Body["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task ATextToAGroupUsesTheGroupJidAsItIs()
    {
        var call = await SendToTheEndAsync($$"""to":"{{Group}}","text":"hello group""", "/api/sendText", to: Group);
        Assert.Equal(Group, call.Body["chatId"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutAWahaSessionSettingTheChatSendSessionIdIsTheWahaSession() =>
        await SendToTheEndAsync("""to":"+12025550123","text":"default session""", "/api/sendText", nameWahaSession: false);

    [Fact]
    public async Task ACustomPreviewGoesToTheLinkCustomPreviewEndpoint()
    {
        var call = await SendToTheEndAsync("""to":"+12025550123","preview":{"url":"https://example.com/a","title":"A page","description":"About a","image":"https://example.com/a.jpg"},"text":"see https://example.com/a""", "/api/send/link-custom-preview");
        var preview = call.Body["preview"]!;
        Assert.Equal(("https://example.com/a", "A page", "About a", "https://example.com/a.jpg"),
            (preview["url"]!.GetValue<string>(), preview["title"]!.GetValue<string>(), preview["description"]!.GetValue<string>(),
                preview["image"]!["url"]!.GetValue<string>()));
        Assert.Equal("see https://example.com/a", call.Body["text"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("imageUrl", "jpeg", "image/jpeg", "photo.jpg", "/api/sendImage")]
    [InlineData("videoUrl", "mp4", "video/mp4", "clip.mp4", "/api/sendVideo")]
    [InlineData("documentUrl", "pdf", "application/pdf", "report.pdf", "/api/sendFile")]
    public async Task MediaGoesByItsStagedLinkWithCaptionAndFileName(string field, string format, string mime, string name, string path)
    {
        var url = media.Url($"/file/{format}/5000?type={Uri.EscapeDataString(mime)}");
        var call = await SendToTheEndAsync($$"""to":"+12025550123","{{field}}":"{{url}}","filename":"{{name}}","text":"a caption""", path);
        var file = call.Body["file"]!;
        Assert.Equal((mime, name), (file["mimetype"]!.GetValue<string>(), file["filename"]!.GetValue<string>()));
        Assert.Equal("a caption", call.Body["caption"]!.GetValue<string>());
        Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes(format, 5000)), call.MediaSha256);
        Assert.DoesNotContain(media.Url(""), file["url"]!.GetValue<string>()); // the staged copy, not the client's link
    }

    [Fact]
    public async Task AVoiceNoteGoesToSendVoiceAndReachesPlayed()
    {
        var url = media.Url($"/file/ogg/4000?type={Uri.EscapeDataString("audio/ogg")}");
        var call = await SendToTheEndAsync($$"""to":"+12025550123","audioUrl":"{{url}}""", "/api/sendVoice", last: 4);
        Assert.StartsWith("audio/ogg", call.Body["file"]!["mimetype"]!.GetValue<string>());
        Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes("ogg", 4000)), call.MediaSha256);
    }

    [Fact]
    public async Task TheNowebAnswerShapeGivesTheIdWahasAcksCarry()
    {
        waha.Engine = "NOWEB";
        try
        {
            await SendToTheEndAsync("""to":"+12025550123","text":"noweb""", "/api/sendText");
        }
        finally
        {
            waha.Engine = "WEBJS";
        }
    }

    [Fact]
    public async Task AWrongApiKeyFailsTheMessageAtOnceNamingTheSecret()
    {
        var (session, key, _) = await NewSessionAsync(apiKeySecret: "waha_wrong_key");
        var id = await SendAsync(session, key, """to":"+12025550123","text":"x""");
        var failed = await StatusAsync(id, "failed");
        Assert.Equal(1, failed.Attempts);
        Assert.Equal("provider waha refused the message: WAHA refused the API key (401): check the session's apiKey secret", failed.FailureReason);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains("not-the-key") || l.Contains(FakeWaha.ApiKey));
    }

    [Fact]
    public async Task ABadRequestFailsTheMessageWithWahasOwnWords()
    {
        var (session, key, _) = await NewSessionAsync();
        waha.AnswerNext(new FakeWaha.Answer(400, """{"statusCode":400,"message":["text must be shorter than or equal to 4096 characters"],"error":"Bad Request"}"""));
        var id = await SendAsync(session, key, """to":"+12025550123","text":"x""");
        var failed = await StatusAsync(id, "failed");
        Assert.Equal(1, failed.Attempts);
        Assert.Equal("provider waha refused the message: WAHA refused the message (400): text must be shorter than or equal to 4096 characters",
            failed.FailureReason);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task BusyOrFailingWahaIsTriedAgainAfterRetryAfter(int status)
    {
        var (session, key, _) = await NewSessionAsync();
        waha.AnswerNext(new FakeWaha.Answer(status, """{"statusCode":503,"message":"busy"}""", RetryAfter: "1"));
        var id = await SendAsync(session, key, """to":"+12025550123","text":"again""");
        var sent = await StatusAsync(id, "sent");
        Assert.Equal(2, sent.Attempts);
        Assert.Null(sent.FailureReason);
    }

    [Fact]
    public async Task ASessionThatIsNotWorkingIsTransientAndNamedWhenDeliveryGivesUp()
    {
        var (session, key, _) = await NewSessionAsync(wahaStatus: "SCAN_QR_CODE");
        var id = await SendAsync(session, key, """to":"+12025550123","text":"not yet""");
        var failed = await StatusAsync(id, "failed", TimeSpan.FromSeconds(30));
        Assert.Equal(2, failed.Attempts);
        Assert.Equal("provider waha still failing after 2 attempts: the WAHA session is not working (status SCAN_QR_CODE); it must be WORKING to send",
            failed.FailureReason);
        Assert.DoesNotContain(waha.Calls, c => c.Body["session"]!.GetValue<string>() == session.ProviderSettings["wahaSession"]);
    }

    [Fact]
    public async Task AnErrorAckAfterSentFailsTheMessageWithTheReason()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var id = await SendAsync(session, key, """to":"+12025550123","text":"doomed""");
        var sent = await StatusAsync(id, "sent");
        await AckAsync(session, wahaSession, sent.ProviderMessageId!, -1);
        var failed = await StatusAsync(id, "failed");
        Assert.Equal("WAHA reported an error delivering the message (ack -1, ERROR)", failed.FailureReason);
    }

    [Theory]
    [InlineData("bad")]
    [InlineData("missing")]
    [InlineData("other key")]
    [InlineData("sha256")]
    public async Task AWebhookWithoutAValidSignatureIs401AndChangesNothing(string how)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var id = await SendAsync(session, key, """to":"+12025550123","text":"hi""");
        var sent = await StatusAsync(id, "sent");

        using var response = how switch
        {
            "bad" => await waha.PostAckAsync(_app.Http.BaseAddress!, session.Id, wahaSession, sent.ProviderMessageId!, 3, signatureOverride: new string('0', 128)),
            "missing" => await waha.PostAckAsync(_app.Http.BaseAddress!, session.Id, wahaSession, sent.ProviderMessageId!, 3, hmacKey: null),
            "other key" => await waha.PostAckAsync(_app.Http.BaseAddress!, session.Id, wahaSession, sent.ProviderMessageId!, 3, hmacKey: "guess"),
            _ => await waha.PostAckAsync(_app.Http.BaseAddress!, session.Id, wahaSession, sent.ProviderMessageId!, 3, algorithm: "sha256"),
        };
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        // Refused at verification, which comes before anything is queued: there is no receipt to wait for.
        Assert.Contains(_app.Logs.Lines, l => l.Contains($"waha callback naming {session.Id} refused: the signature or token does not match"));
        MessageId.TryParse(id, out var messageId);
        var row = await _app.Services.GetRequiredService<MessageStore>().FindAsync(messageId);
        Assert.Equal("sent", row!.Status);
    }

    [Theory]
    [InlineData(3, "read")]
    [InlineData(-1, "failed")]
    public async Task AVerifiedAckNamingAnotherSessionsMessageChangesNothingAndIsAcknowledgedAsUnknown(int ack, string status)
    {
        var (victim, victimKey, victimWaha) = await NewSessionAsync();
        var (attacker, _, attackerWaha) = await NewSessionAsync();
        var id = await SendAsync(victim, victimKey, """to":"+12025550123","text":"mine""");
        var sent = await StatusAsync(id, "sent");

        // Signed with the attacker's own key, on its own route: valid for its session, about the victim's message.
        using var response = await waha.PostAckAsync(_app.Http.BaseAddress!, attacker.Id, attackerWaha, sent.ProviderMessageId!, ack);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _app.Logs.WaitForAsync(1, $"for session {attacker.Id}: a provider id no message has yet");
        Assert.Equal("sent", (await _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(id)))!.Status);

        // The same ack from the message's own session moves it.
        await AckAsync(victim, victimWaha, sent.ProviderMessageId!, ack);
        await StatusAsync(id, status);
    }

    [Fact]
    public async Task ASendThatIsAnsweredWithAnotherSessionsProviderIdCannotTakeItsStatuses()
    {
        var (victim, victimKey, victimWaha) = await NewSessionAsync();
        var (attacker, attackerKey, _) = await NewSessionAsync();
        var id = await SendAsync(victim, victimKey, """to":"120363012345678901@g.us","text":"to the group""");
        var providerId = (await StatusAsync(id, "sent")).ProviderMessageId!;

        // The attacker's own WAHA answers its send with the id of the victim's message (it saw it in the group).
        waha.AnswerNext(new FakeWaha.Answer(201, $$"""{"id":"{{providerId}}","ack":0,"fromMe":true}"""));
        var attackers = await SendAsync(attacker, attackerKey, """to":"120363012345678901@g.us","text":"mine""");
        Assert.Equal(providerId, (await StatusAsync(attackers, "sent")).ProviderMessageId);

        await AckAsync(victim, victimWaha, providerId, 3);
        await StatusAsync(id, "read");
        Assert.Equal("sent", (await _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(attackers)))!.Status);
    }

    [Fact]
    public async Task AnAckWithFieldsOfAnotherShapeThanChatSendReadsIsStillApplied()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var id = await SendAsync(session, key, """to":"+12025550123","text":"hi""");
        var sent = await StatusAsync(id, "sent");

        var body = $$$"""
            {"event":"message.ack","session":{"name":"{{{wahaSession}}}"},"engine":"WEBJS",
             "payload":{"id":"{{{sent.ProviderMessageId}}}","from":"15550100001@c.us","fromMe":"yes","ack":3,"ackName":3}}
            """;
        using var response = await waha.PostEventAsync(_app.Http.BaseAddress!, session.Id, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await StatusAsync(id, "read");
    }

    [Fact]
    public async Task AWebhookForAnotherProvidersSessionOrNoSessionIs401()
    {
        var (sandbox, _) = await _app.NewSessionAsync();
        using var other = await waha.PostAckAsync(_app.Http.BaseAddress!, sandbox.Id, "default", "true_1@c.us_X", 3);
        using var none = await waha.PostAckAsync(_app.Http.BaseAddress!, "tnosuchsession", "default", "true_1@c.us_X", 3);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (other.StatusCode, none.StatusCode));
    }

    [Fact]
    public async Task AnAckForAnUnknownIdAndOtherEventsAreAcknowledged()
    {
        var (session, _, wahaSession) = await NewSessionAsync();
        using var unknown = await waha.PostAckAsync(_app.Http.BaseAddress!, session.Id, wahaSession, "true_12025550123@c.us_NOSUCHID", 3);
        using var message = await waha.PostEventAsync(_app.Http.BaseAddress!, session.Id,
            $$$"""{"id":"evt_1","timestamp":1,"event":"message","session":"{{{wahaSession}}}","payload":{"id":"false_1@c.us_A","body":"hi"}}""");
        using var status = await waha.PostEventAsync(_app.Http.BaseAddress!, session.Id,
            $$$"""{"event":"session.status","session":"{{{wahaSession}}}","payload":{"status":"WORKING"}}""");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (unknown.StatusCode, message.StatusCode, status.StatusCode));
    }

    [Theory]
    [InlineData("WORKING", null)]
    [InlineData("SCAN_QR_CODE", "scan the QR code")]
    public async Task TheSessionShowsWahasOwnStateOfIt(string status, string? hint)
    {
        var (session, key, _) = await NewSessionAsync(status);
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}", key));
        var state = (await Json.ReadAsync(response)).GetProperty("providerState");

        Assert.Equal(status, state.Str("status"));
        if (hint is null)
            Assert.Equal(System.Text.Json.JsonValueKind.Null, state.GetProperty("detail").ValueKind);
        else
            Assert.Contains(hint, state.Str("detail"));
    }

    [Fact]
    public async Task AcksReplayedAndOutOfOrderLeaveTheMessageAtTheFurthestStatusOnce()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var id = await SendAsync(session, key, """to":"+12025550123","text":"hi""");
        var sent = await StatusAsync(id, "sent");

        foreach (var ack in new[] { 3, 2, 3, 1 }) // read, then a late device ack, read again, a late server ack
        {
            using var response = await waha.PostAckAsync(_app.Http.BaseAddress!, session.Id, wahaSession, sent.ProviderMessageId!, ack);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await StatusAsync(id, "read");
        await ReceiptsHandledAsync(id, 4); // the late ones too, applied or ignored
        var read = (await _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(id)))!;
        // Queued receipts may be applied in any order; what holds is the end, each status once, and only forward moves.
        var history = read.GetHistory().Select(h => h.Status).ToList();
        Assert.Equal(MessageStatus.Read, history[^1]);
        Assert.Equal(history.Distinct(), history);
        Assert.All(history.Zip(history.Skip(1)), step => Assert.True(MessageStatuses.CanMove(step.First, step.Second)));
    }
}
