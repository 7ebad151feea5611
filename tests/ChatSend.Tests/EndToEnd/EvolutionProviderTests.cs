using System.Net;
using System.Text.Json;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Evolution;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// The <c>evolution</c> provider end to end: the local host over Azurite sends through a fake Evolution API v2
/// (<see cref="EvolutionServer"/>), which then reports statuses to <c>POST /webhooks/evolution/{session}</c>.
/// </summary>
public sealed class EvolutionProviderTests(Azurite azurite, MediaServer media, EvolutionServer evolution)
    : IClassFixture<Azurite>, IClassFixture<MediaServer>, IClassFixture<EvolutionServer>, IAsyncLifetime
{
    private const string Token = "hook-token-9b2e";
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Secrets:evo_api"] = EvolutionServer.ApiKey,
        ["ChatSend:Secrets:evo_wrong_api"] = "not-the-key",
        ["ChatSend:Secrets:evo_hook"] = Token,
        ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(Session Session, string Key, string Instance)> NewSessionAsync(string state = "open", string apiKeySecret = "evo_api")
    {
        var instance = evolution.NewInstance(state);
        var (session, key) = await _app.NewSessionAsync(EvolutionProvider.ProviderName, settings: new Dictionary<string, string>
        {
            ["baseUrl"] = evolution.BaseUrl,
            ["instance"] = instance,
            ["maxPerMinute"] = "0", // no pacing in tests
            ["minRecipientGapSeconds"] = "0",
        });
        session = session with { SecretNames = new Dictionary<string, string> { ["apiKey"] = apiKeySecret, ["webhookToken"] = "evo_hook" } };
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, key, instance);
    }

    private async Task<string> SendAsync(string key, string sessionId, string fields)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, $$"""{"session":"{{sessionId}}",{{fields}}}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await Json.ReadAsync(response)).Str("id");
    }

    private Task<JsonElement> StatusAsync(string key, string id, string status) =>
        Eventually.MatchesAsync(async () =>
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
            return await Json.ReadAsync(response);
        }, m => m.Str("status") == status, TimeSpan.FromSeconds(20));

    private EvolutionServer.Call CallFor(string instance) => Assert.Single(evolution.Sent, c => c.Instance == instance);

    private string WebhookUrl(string session, string? token = Token) =>
        new Uri(_app.Http.BaseAddress!, $"/webhooks/evolution/{session}" + (token is null ? "" : $"?token={Uri.EscapeDataString(token)}")).ToString();

    public static TheoryData<string, string, string, string?, string?> Types => new()
    {
        // type, the send's fields, Evolution route, mediatype, media file (format/size) for the SHA-256
        { "text", "\"text\":\"see https://example.com\"", "sendText", null, null },
        { "image", "\"imageUrl\":\"{media}/file/jpeg/3000?type=image/jpeg\",\"text\":\"a caption\"", "sendMedia", "image", "jpeg/3000" },
        { "video", "\"videoUrl\":\"{media}/file/mp4/5000?type=video/mp4\",\"text\":\"a clip\"", "sendMedia", "video", "mp4/5000" },
        { "document", "\"documentUrl\":\"{media}/file/pdf/4000?type=application/pdf\",\"filename\":\"report.pdf\"", "sendMedia", "document", "pdf/4000" },
        { "ptt", "\"audioUrl\":\"{media}/file/ogg/2000?type=audio/ogg\"", "sendWhatsAppAudio", null, "ogg/2000" },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public async Task EachTypeGoesToItsRouteAndItsStatusesArriveByWebhook(string type, string fields, string route, string? mediatype, string? file)
    {
        var (session, key, instance) = await NewSessionAsync();
        var id = await SendAsync(key, session.Id, $"\"to\":\"+12025550123\",{fields.Replace("{media}", media.Url(""))}");
        await StatusAsync(key, id, "sent");

        var call = CallFor(instance);
        Assert.Equal(route, call.Route);
        Assert.Equal("12025550123", call.Body["number"]!.GetValue<string>());
        if (type == "text")
        {
            Assert.Equal("see https://example.com", call.Body["text"]!.GetValue<string>());
            Assert.True(call.Body["linkPreview"]!.GetValue<bool>());
        }
        if (mediatype is not null)
        {
            Assert.Equal(mediatype, call.Body["mediatype"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(call.Body["mimetype"]!.GetValue<string>()));
            Assert.False(string.IsNullOrEmpty(call.Body["fileName"]!.GetValue<string>()));
        }
        if (type == "document")
            Assert.Equal("report.pdf", call.Body["fileName"]!.GetValue<string>());
        if (type == "image")
            Assert.Equal("a caption", call.Body["caption"]!.GetValue<string>());
        if (file?.Split('/') is [var format, var size])
            Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes(format, long.Parse(size))), call.MediaSha256);

        foreach (var (ack, status) in new[] { ("SERVER_ACK", "sent"), ("DELIVERY_ACK", "delivered"), ("READ", "read") }
                     .Concat(type == "ptt" ? [("PLAYED", "played")] : []))
        {
            using var response = await evolution.PostStatusAsync(WebhookUrl(session.Id), instance, call.KeyId, ack);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await StatusAsync(key, id, status);
        }
    }

    [Fact]
    public async Task AGroupIsSentToItsJid()
    {
        var (session, key, instance) = await NewSessionAsync();
        var id = await SendAsync(key, session.Id, "\"to\":\"120363025246125486@g.us\",\"text\":\"hello group\"");
        await StatusAsync(key, id, "sent");
        Assert.Equal("120363025246125486@g.us", CallFor(instance).Body["number"]!.GetValue<string>());
    }

    [Fact]
    public async Task ABadOrMissingTokenIs401AndChangesNothingWhileTheHeaderTokenIsAccepted()
    {
        var (session, key, instance) = await NewSessionAsync();
        var id = await SendAsync(key, session.Id, "\"to\":\"+12025550123\",\"text\":\"hi\"");
        await StatusAsync(key, id, "sent");
        var keyId = CallFor(instance).KeyId;

        foreach (var url in new[] { WebhookUrl(session.Id, "wrong"), WebhookUrl(session.Id, token: null), WebhookUrl("no-such-session") })
        {
            using var refused = await evolution.PostStatusAsync(url, instance, keyId, "READ");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        // Each refused at verification, which comes before anything is queued: there is no receipt to wait for.
        Assert.Equal(2, _app.Logs.Lines.Count(l => l.Contains($"evolution callback naming {session.Id} refused: the signature or token does not match")));
        Assert.Contains(_app.Logs.Lines, l => l.Contains("evolution callback naming no-such-session refused: no evolution session is named so"));
        await StatusAsync(key, id, "sent");

        using var accepted = await evolution.PostStatusAsync(WebhookUrl(session.Id, token: null), instance, keyId, "DELIVERY_ACK",
            new Dictionary<string, string> { [EvolutionCallback.TokenHeader] = Token });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await StatusAsync(key, id, "delivered");
    }

    [Theory]
    [InlineData("READ", "read")]
    [InlineData("ERROR", "failed")]
    public async Task AVerifiedStatusNamingAnotherSessionsMessageChangesNothingAndIsAcknowledgedAsUnknown(string evolutionStatus, string status)
    {
        var (victim, key, instance) = await NewSessionAsync();
        var (attacker, _, attackerInstance) = await NewSessionAsync();
        var id = await SendAsync(key, victim.Id, "\"to\":\"+12025550123\",\"text\":\"mine\"");
        await StatusAsync(key, id, "sent");
        var keyId = CallFor(instance).KeyId;

        // The attacker's own route and token: valid for its session, about the victim's message.
        using var response = await evolution.PostStatusAsync(WebhookUrl(attacker.Id), attackerInstance, keyId, evolutionStatus);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _app.Logs.WaitForAsync(1, $"for session {attacker.Id}: a provider id no message has yet");
        await StatusAsync(key, id, "sent");

        using var own = await evolution.PostStatusAsync(WebhookUrl(victim.Id), instance, keyId, evolutionStatus);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        await StatusAsync(key, id, status);
    }

    [Fact]
    public async Task AnUpdateWithFieldsOfAnotherShapeThanChatSendReadsIsStillApplied()
    {
        var (session, key, instance) = await NewSessionAsync();
        var id = await SendAsync(key, session.Id, "\"to\":\"+12025550123\",\"text\":\"hi\"");
        await StatusAsync(key, id, "sent");
        var keyId = CallFor(instance).KeyId;

        var body = $$$"""
            {"event":"messages.update","instance":{"name":"{{{instance}}}"},
             "data":{"keyId":"{{{keyId}}}","remoteJid":12025550123,"fromMe":"true","status":"READ"}}
            """;
        using var response = await _app.Http.PostAsync(WebhookUrl(session.Id), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await StatusAsync(key, id, "read");
    }

    [Fact]
    public async Task AnErrorStatusFailsTheMessageWithAReason()
    {
        var (session, key, instance) = await NewSessionAsync();
        var id = await SendAsync(key, session.Id, "\"to\":\"+12025550123\",\"text\":\"hi\"");
        await StatusAsync(key, id, "sent");

        using var response = await evolution.PostStatusAsync(WebhookUrl(session.Id), instance, CallFor(instance).KeyId, "ERROR");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var failed = await StatusAsync(key, id, "failed");
        Assert.Contains("ERROR", failed.Str("failureReason"));
    }

    [Theory]
    [InlineData("messages.update", "3EB0FFFFFFFFFFFFFFFF")] // an id no message has: acknowledged and counted
    [InlineData("connection.update", "3EB0AAAAAAAAAAAAAAAA")] // another event: acknowledged and ignored
    [InlineData("send.message", "3EB0BBBBBBBBBBBBBBBB")]
    public async Task StatusesForUnknownIdsAndOtherEventsAreAcknowledged(string eventName, string keyId)
    {
        var (session, _, instance) = await NewSessionAsync();
        using var response = await evolution.PostStatusAsync(WebhookUrl(session.Id), instance, keyId, "READ", eventName: eventName);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ANumberNotOnWhatsAppFailsTheMessageSayingSo()
    {
        var (session, key, _) = await NewSessionAsync();
        var id = await SendAsync(key, session.Id, "\"to\":\"+12025550000\",\"text\":\"hi\"");
        var failed = await StatusAsync(key, id, "failed");
        Assert.Contains("12025550000 is not on WhatsApp", failed.Str("failureReason"));
    }

    [Theory]
    [InlineData("open", null, "open", false)]
    [InlineData("connecting", null, "connecting", true)]
    [InlineData("close", null, "close", true)]
    [InlineData("open", "evo_wrong_api", "unreachable", false)]
    public async Task TheSessionShowsTheInstancesLiveState(string state, string? apiKeySecret, string shown, bool qrHint)
    {
        var (session, key, _) = await NewSessionAsync(state, apiKeySecret ?? "evo_api");
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var providerState = (await Json.ReadAsync(response)).GetProperty("providerState");
        Assert.Equal(shown, providerState.Str("status"));
        var detail = providerState.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        Assert.Equal(qrHint, detail?.Contains("scan the QR code") == true);
    }

    public static TheoryData<string, bool, string, int?> Failures => new()
    {
        // what is wrong, transient, the reason says, Retry-After seconds
        { "429", true, "answered 429", 7 },
        { "503", true, "answered 503", null },
        { "close", true, "is not connected to WhatsApp", null },
        { "wrong key", false, "refused the apikey (401)", null },
        { "no instance", false, "has no instance", null },
        { "not on whatsapp", false, "is not on WhatsApp", null },
        { "unreachable", true, "could not be reached", null },
        { "no baseUrl", false, "baseUrl", null },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task ErrorsAreTransientOrPermanentWithAReasonAPersonUnderstands(string what, bool transient, string reason, int? retryAfter)
    {
        var (session, _, instance) = await NewSessionAsync(what == "close" ? "close" : "open", what == "wrong key" ? "evo_wrong_api" : "evo_api");
        if (what is "429" or "503")
        {
            evolution.Instances[instance].FailWith = int.Parse(what);
            evolution.Instances[instance].RetryAfter = retryAfter?.ToString();
        }
        using var unreachable = new ClosedPort(); // held until the provider call is made: refused at once, and nobody else's
        var settings = new Dictionary<string, string>(session.ProviderSettings);
        if (what == "no instance")
            settings["instance"] = "missing-instance";
        if (what == "unreachable")
            settings["baseUrl"] = unreachable.BaseUrl;
        if (what == "no baseUrl")
            settings.Remove("baseUrl");
        session = session with { ProviderSettings = settings };
        var provider = _app.Services.GetRequiredService<ChannelProviders>().Find(EvolutionProvider.ProviderName)!;
        var message = new OutboundMessage(MessageId.New(session.Id, DateTimeOffset.UtcNow), MessageType.Text, session.SenderPhone,
            what == "not on whatsapp" ? "+12025550000" : "+12025550123", "hi", null);

        var failure = await Assert.ThrowsAsync<ProviderException>(() => provider.SendAsync(message, session, CancellationToken.None));

        Assert.Equal(transient, failure.IsTransient);
        Assert.Contains(reason, failure.Message);
        Assert.Equal(retryAfter is { } s ? TimeSpan.FromSeconds(s) : null, failure.RetryAfter);
        Assert.DoesNotContain(EvolutionServer.ApiKey, failure.Message);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains(EvolutionServer.ApiKey));
    }

    [Fact]
    public void TheProviderSendsEveryTypeToGroupsWithoutCustomPreviewsAndPacesConservatively()
    {
        var provider = _app.Services.GetRequiredService<ChannelProviders>().Find(EvolutionProvider.ProviderName)!;
        Assert.Equal(new HashSet<MessageType> { MessageType.Text, MessageType.Image, MessageType.Video, MessageType.Document, MessageType.Ptt },
            provider.Capabilities.Types);
        Assert.True(provider.Capabilities.Groups);
        Assert.False(provider.Capabilities.Preview);
        Assert.Equal(new ChatSend.Delivery.PacingDefaults(20, TimeSpan.FromSeconds(10), true), provider.Pacing);
    }

    [Fact]
    public async Task StatusesReplayedAndOutOfOrderLeaveTheMessageAtTheFurthestStatusOnce()
    {
        var (session, key, instance) = await NewSessionAsync();
        var id = await SendAsync(key, session.Id, "\"to\":\"+12025550123\",\"text\":\"hi\"");
        await StatusAsync(key, id, "sent");
        var keyId = CallFor(instance).KeyId;

        foreach (var status in new[] { "READ", "DELIVERY_ACK", "READ", "SERVER_ACK" })
        {
            using var response = await evolution.PostStatusAsync(WebhookUrl(session.Id), instance, keyId, status);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await StatusAsync(key, id, "read");
        await _app.Logs.WaitForAsync(4, "ChatSend.Receipts.ReceiptHandler:", id); // the late ones too, applied or ignored
        var read = await StatusAsync(key, id, "read");
        // Queued receipts may be applied in any order; what holds is the end, each status once, and only forward moves.
        var history = read.GetProperty("statusHistory").EnumerateArray().Select(h => MessageStatuses.Parse(h.Str("status"))).ToList();
        Assert.Equal(MessageStatus.Read, history[^1]);
        Assert.Equal(history.Distinct(), history);
        Assert.All(history.Zip(history.Skip(1)), step => Assert.True(MessageStatuses.CanMove(step.First, step.Second)));
    }
}
