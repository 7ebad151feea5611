using System.Net;
using System.Text.Json;
using ChatSend.Auth;
using ChatSend.Providers;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// Customers' messages end to end through the local host on Azurite: the sandbox's pretend customer writes
/// (<c>POST /sandbox/sessions/{session}/inbound</c>), its file is fetched from the media server by the job and staged,
/// <c>GET /messages/{id}</c> shows it and <c>GET /messages/{id}/media</c> streams it; files that cannot be had end with
/// <c>media.error</c>; and the sandbox's recipients answer what the session sends (<c>replyAfterSeconds</c>).
/// </summary>
public sealed class SandboxInboundTests(Azurite azurite, MediaServer media) : IClassFixture<Azurite>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private const long DocumentLimit = 100_000;
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32", // the media server; 127.0.0.2 stays private
            ["ChatSend:Media:DocumentMaxBytes"] = DocumentLimit.ToString(),
            ["ChatSend:Delivery:RetryBaseDelay"] = "00:00:01",
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpResponseMessage> InboundAsync(string session, string? key, object body) =>
        await _app.Http.SendAsync(_app.Request(HttpMethod.Post, $"/sandbox/sessions/{session}/inbound", key, JsonSerializer.Serialize(body)));

    private async Task<JsonElement> ReceiveAsync(string session, string key, object body)
    {
        using var response = await InboundAsync(session, key, body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = await Json.ReadAsync(response);
        Assert.Equal($"/messages/{message.Str("id")}", response.Headers.Location?.OriginalString);
        return message;
    }

    private async Task<JsonElement> GetAsync(string key, string id)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    /// <summary>The message once its file is settled: staged or given up on.</summary>
    private Task<JsonElement> SettledAsync(string key, string id) =>
        Eventually.MatchesAsync(() => GetAsync(key, id), m => !m.GetProperty("media").TryGetProperty("pending", out _));

    private Task<HttpResponseMessage> MediaAsync(string? key, string id) =>
        _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}/media", key), HttpCompletionOption.ResponseHeadersRead);

    [Fact]
    public async Task ACustomersTextIsRecordedAsReceivedAndListedInItsChat()
    {
        var (session, key) = await _app.NewSessionAsync();
        var message = await ReceiveAsync(session.Id, key, new { from = "+1 (415) 555-0123", text = "hi there" });

        Assert.Equal(("text", "hi there", "received", "inbound", false), (message.Str("type"), message.Str("content"), message.Str("status"),
            message.Str("direction"), message.GetProperty("fromMe").GetBoolean()));
        Assert.Equal(("+14155550123", "+14155550123", "+15550100001"), (message.Str("chat"), message.Str("sender"), message.Str("to")));
        Assert.False(message.TryGetProperty("media", out _));
        using var list = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages?session={session.Id}&chat=%2B14155550123", key));
        Assert.Equal(message.Str("id"), Assert.Single((await Json.ReadAsync(list)).GetProperty("items").EnumerateArray()).Str("id"));
    }

    [Fact]
    public async Task ACustomersImageIsStagedAndItsFileStreamedWithItsTypeLengthAndName()
    {
        var (session, key) = await _app.NewSessionAsync();
        var message = await ReceiveAsync(session.Id, key,
            new { from = "+14155550123", text = "look", imageUrl = media.Url("/file/jpeg/300000?type=image/jpeg&name=holiday.jpg") });
        Assert.Equal(("image", "look"), (message.Str("type"), message.Str("content")));
        Assert.True(message.GetProperty("media").GetProperty("pending").GetBoolean());

        var settled = (await SettledAsync(key, message.Str("id"))).GetProperty("media");
        var bytes = MediaServer.FileBytes("jpeg", 300_000);
        Assert.Equal(($"/messages/{message.Str("id")}/media", "image/jpeg", "holiday.jpg", 300_000L, MediaServer.Sha256(bytes)),
            (settled.Str("url"), settled.Str("mimetype"), settled.Str("filename"), settled.GetProperty("size").GetInt64(), settled.Str("sha256")));

        using var file = await MediaAsync(key, message.Str("id"));
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("image/jpeg", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(300_000, file.Content.Headers.ContentLength);
        Assert.Equal(("attachment", "holiday.jpg"), (file.Content.Headers.ContentDisposition?.DispositionType, file.Content.Headers.ContentDisposition?.FileNameStar));
        Assert.Equal("nosniff", file.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(bytes, await file.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ASentMessagesFileIsServedTooWhileItsBlobIsKept()
    {
        var (session, key) = await _app.NewSessionAsync();
        using var sent = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            JsonSerializer.Serialize(new { session = session.Id, to = "+12025550123", documentUrl = media.Url("/file/pdf/5000?type=application/pdf") })));
        var message = await Json.ReadAsync(sent);
        Assert.Equal($"/messages/{message.Str("id")}/media", message.GetProperty("media").Str("url"));

        using var file = await MediaAsync(key, message.Str("id"));
        Assert.Equal("application/pdf", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(MediaServer.FileBytes("pdf", 5000), await file.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("documentUrl", "/file/pdf/100001?type=application/pdf", "the file is larger than the 100000-byte limit for document messages")]
    [InlineData("imageUrl", "/status/404", "the server answered 404 Not Found")]
    [InlineData("imageUrl", "/file/text/1000?type=image/png", "the file does not start like image/png")]
    public async Task AFileThatCannotBeHadOrBreaksTheRulesLeavesTheMessageWithItsReason(string field, string path, string reason)
    {
        var (session, key) = await _app.NewSessionAsync();
        var message = await ReceiveAsync(session.Id, key, new Dictionary<string, string> { ["from"] = "+14155550123", [field] = media.Url(path) });

        var settled = await SettledAsync(key, message.Str("id"));
        Assert.Equal(reason, settled.GetProperty("media").Str("error"));
        Assert.Equal("received", settled.Str("status"));
        using var file = await MediaAsync(key, message.Str("id"));
        Assert.Equal(HttpStatusCode.NotFound, file.StatusCode);
        Assert.Contains(reason, (await Json.ReadAsync(file)).Str("detail"));
    }

    [Fact]
    public async Task AFileOnAPrivateAddressIsRefusedByTheAddressGuard()
    {
        var (session, key) = await _app.NewSessionAsync();
        var message = await ReceiveAsync(session.Id, key, new { from = "+14155550123", imageUrl = media.SecondHostUrl("/file/jpeg/1000") });

        Assert.Contains("private, loopback", (await SettledAsync(key, message.Str("id"))).GetProperty("media").Str("error"));
    }

    [Fact]
    public async Task AHostThatAnswers500ThenServesTheFileIsTriedAgainAndTheFileStaged()
    {
        var (session, key) = await _app.NewSessionAsync();
        var flaky = Guid.NewGuid().ToString("N");
        var message = await ReceiveAsync(session.Id, key, new { from = "+14155550123", imageUrl = media.Url($"/flaky/{flaky}/1/jpeg/5000") });

        var settled = (await SettledAsync(key, message.Str("id"))).GetProperty("media");
        Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes("jpeg", 5000)), settled.Str("sha256"));
        Assert.Equal(2, media.RequestsFor(flaky));
    }

    [Fact]
    public async Task TheFileRouteAnswersOnlyForTheKeysSessionsAndSaysWhyThereIsNoFile()
    {
        var (session, key) = await _app.NewSessionAsync();
        var (_, otherKey) = await _app.NewSessionAsync();
        var slow = await ReceiveAsync(session.Id, key, new { from = "+14155550123", imageUrl = media.Url("/slow?ms=3000") });
        var text = await ReceiveAsync(session.Id, key, new { from = "+14155550123", text = "no file" });

        using (var pending = await MediaAsync(key, slow.Str("id")))
        {
            Assert.Equal(HttpStatusCode.Conflict, pending.StatusCode); // the media server is still answering
            Assert.Equal(TimeSpan.FromSeconds(2), pending.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", pending.Content.Headers.ContentType?.MediaType);
        }
        foreach (var (k, id, status) in new[]
                 {
                     (otherKey, slow.Str("id"), HttpStatusCode.NotFound), // another session's message: as if unknown
                     (null, slow.Str("id"), HttpStatusCode.Unauthorized),
                     (key, text.Str("id"), HttpStatusCode.NotFound),
                     (key, $"msg_{session.Id}_0000000000000000aaaaaaaaaa", HttpStatusCode.NotFound),
                     (key, "not-an-id", HttpStatusCode.NotFound),
                 })
        {
            using var response = await MediaAsync(k, id);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        await SettledAsync(key, slow.Str("id"));
        using var file = await MediaAsync(key, slow.Str("id"));
        Assert.Equal(MediaServer.FileBytes("jpeg", 100), await file.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task TheInboundRouteTakesOnlyAKeyForAnEnabledSandboxSession()
    {
        var (session, key) = await _app.NewSessionAsync();
        var (scripted, scriptedKey) = await _app.NewSessionAsync(ScriptedProvider.ProviderName);
        var (disabled, disabledKey) = await _app.NewSessionAsync(enabled: false);
        var everySession = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("all", ["*"]);
        var body = new { from = "+14155550123", text = "hi" };

        foreach (var (s, k, status) in new[]
                 {
                     (session.Id, null, HttpStatusCode.Unauthorized),
                     (session.Id, "cs_0000000000000000_" + new string('0', 64), HttpStatusCode.Unauthorized),
                     (session.Id, scriptedKey, HttpStatusCode.Forbidden),
                     ("nosuchsession", everySession, HttpStatusCode.NotFound),
                     (scripted.Id, scriptedKey, HttpStatusCode.NotFound), // not a sandbox session
                     (disabled.Id, disabledKey, HttpStatusCode.Conflict),
                 })
        {
            using var response = await InboundAsync(s, k, body);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        using var accepted = await InboundAsync(session.Id, everySession, body);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Theory]
    [InlineData("""{"text":"hi"}""", "from")]
    [InlineData("""{"from":"12","text":"hi"}""", "from")]
    [InlineData("""{"from":"120363025246125486@g.us","text":"hi"}""", "from")]
    [InlineData("""{"from":42,"text":"hi"}""", "from")]
    [InlineData("""{"from":"+14155550123"}""", "text")]
    [InlineData("""{"from":"+14155550123","text":"\u200B"}""", "text")]
    [InlineData("""{"from":"+14155550123","imageUrl":"ftp://example.com/a.jpg"}""", "imageUrl")]
    [InlineData("""{"from":"+14155550123","imageUrl":"https://example.com/a.jpg","videoUrl":"https://example.com/a.mp4"}""", "videoUrl")]
    [InlineData("""{"from":"+14155550123","imageUrl":"https://example.com/a.jpg","mimetype":"video/mp4"}""", "mimetype")]
    [InlineData("""{"from":"+14155550123","text":"hi","filename":"a.txt"}""", "filename")]
    [InlineData("""{"from":"+14155550123","audioUrl":"https://example.com/a.ogg","text":"caption"}""", "text")]
    [InlineData("""[1]""", "body")]
    public async Task TheInboundRouteNamesEachBadField(string json, string field)
    {
        var (session, key) = await _app.NewSessionAsync();
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, $"/sandbox/sessions/{session.Id}/inbound", key, json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await Json.ReadAsync(response)).GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}");
    }

    [Fact]
    public async Task TheSandboxsRecipientAnswersEachMessageAfterReplyAfterSeconds()
    {
        var (session, key) = await _app.NewSessionAsync(settings: new Dictionary<string, string> { ["replyAfterSeconds"] = "1" });
        var before = DateTimeOffset.UtcNow;
        using var text = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            JsonSerializer.Serialize(new { session = session.Id, to = "+12025550123", text = "ping" })));
        using var image = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            JsonSerializer.Serialize(new { session = session.Id, to = "+12025550123", imageUrl = media.Url("/file/png/2000?type=image/png"), text = "pic" })));
        var sent = await Json.ReadAsync(text);

        var answers = await Eventually.MatchesAsync(async () =>
        {
            using var list = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages?session={session.Id}&direction=inbound", key));
            return (await Json.ReadAsync(list)).GetProperty("items").EnumerateArray().ToList();
        }, items => items.Count == 2 && items.All(i => !i.TryGetProperty("media", out var m) || !m.TryGetProperty("pending", out _)));
        var seenAt = DateTimeOffset.UtcNow;

        var echo = Assert.Single(answers, a => a.Str("type") == "text");
        Assert.Equal(("echo: ping", "+12025550123", "+12025550123", "received"), (echo.Str("content"), echo.Str("chat"), echo.Str("sender"), echo.Str("status")));
        Assert.True(DateTimeOffset.Parse(echo.Str("timestamp")) >= DateTimeOffset.Parse(sent.Str("timestamp")) + TimeSpan.FromSeconds(1));
        Assert.True(seenAt >= before + TimeSpan.FromSeconds(1));
        var picture = Assert.Single(answers, a => a.Str("type") == "image");
        Assert.Equal("echo: pic", picture.Str("content"));
        Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes("png", 2000)), picture.GetProperty("media").Str("sha256"));
    }
}
