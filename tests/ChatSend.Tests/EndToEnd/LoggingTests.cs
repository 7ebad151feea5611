using System.Net;
using ChatSend.Auth;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// Everything the host logs at every level, the framework's too (hosting, routing, Kestrel, HttpClient, the storage SDK),
/// across good and bad requests, holds no key, no full phone number, no whole group JID, no query string and no secret header.
/// </summary>
public sealed class LoggingTests(Azurite azurite, MediaServer media) : IClassFixture<Azurite>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:ChatSend.Host.Queues"] = "Trace",
        // The hosts ship these at Warning (AddChatSendLogDefaults); an operator may turn them all the way up.
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
        ["Logging:LogLevel:Azure"] = "Trace",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task LogsNeverHoldApiKeysOrFullPhoneNumbers()
    {
        var (session, key) = await _app.NewSessionAsync();
        var stranger = ApiKey.Generate().Key;
        const string number = "+12025550123";

        async Task<HttpStatusCode> Post(string? bearer, string json)
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", bearer, json));
            return response.StatusCode;
        }

        using var accepted = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"{{number}}","text":"hello"}"""));
        var id = (await Json.ReadAsync(accepted)).Str("id");
        Assert.Equal(HttpStatusCode.Unauthorized, await Post(stranger, $$"""{"session":"{{session.Id}}","to":"{{number}}","text":"x"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(key, $$"""{"session":"{{session.Id}}","to":"+1 202 555","text":"x"}"""));
        Assert.Equal((HttpStatusCode)422, await Post(key, $$"""{"session":"{{session.Id}}","to":"{{number}}","imageUrl":"http://127.0.0.1:1/x.jpg"}"""));
        await Eventually.MatchesAsync(async () =>
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
            return (await Json.ReadAsync(response)).Str("status");
        }, status => status == "read");

        var lines = _app.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains(id) && l.Contains("+12*******23")); // delivery was logged, masked
        foreach (var secret in new[] { key, key[20..], stranger[20..], "12025550123", "2025550123" })
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task LogsNeverHoldAWholeGroupJid()
    {
        var (session, key) = await _app.NewSessionAsync();
        const string group = "120363025246125486";
        using var accepted = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"{{group}}@g.us","text":"hello all"}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await Json.ReadAsync(accepted)).Str("id");
        await Eventually.MatchesAsync(async () =>
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
            return (await Json.ReadAsync(response)).Str("status");
        }, status => status == "read");

        var lines = _app.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains(id) && l.Contains("1203************86@g.us"));
        Assert.DoesNotContain(lines, l => l.Contains(group[4..^2]));
    }

    [Fact]
    public async Task RequestLogsKeepMethodPathAndStatusButNoQueryStringAndNoSecretHeader()
    {
        var (session, key) = await _app.NewSessionAsync();
        string[] secrets = ["evo-token-3f9a1c", "verify-token-7b2d4e", "query-key-5e8f2a", "bearer-key-9c1b7d", "x-api-key-2a6e0f",
            "apikey-4d8c3b", "hook-token-6f0a9e", "hook-hmac-1e7d5c", "hub-signature-8b3f6a", "webhook-signature-0c4e2d"];

        async Task<HttpStatusCode> CallAsync(HttpMethod method, string pathAndQuery, string? bearer = null, string? json = null,
            Dictionary<string, string>? headers = null)
        {
            using var request = _app.Request(method, pathAndQuery, bearer, json);
            foreach (var (name, value) in headers ?? [])
                request.Headers.TryAddWithoutValidation(name, value);
            using var response = await _app.Http.SendAsync(request);
            return response.StatusCode;
        }

        await CallAsync(HttpMethod.Post, $"/webhooks/evolution/{session.Id}?token={secrets[0]}", json: "{}");
        await CallAsync(HttpMethod.Get, $"/webhooks/whatsapp-cloud?hub.verify_token={secrets[1]}&hub.mode=subscribe&hub.challenge=1");
        Assert.Equal(HttpStatusCode.OK, await CallAsync(HttpMethod.Get, $"/messages?session={session.Id}&to=%2B12025550123", key));
        await CallAsync(HttpMethod.Get, $"/send?key={secrets[2]}");
        await CallAsync(HttpMethod.Post, "/send", secrets[3], "{}", new()
        {
            ["X-Api-Key"] = secrets[4], ["apikey"] = secrets[5], ["X-Webhook-Token"] = secrets[6], ["X-Webhook-Hmac"] = secrets[7],
            ["X-Hub-Signature-256"] = "sha256=" + secrets[8], ["webhook-signature"] = "v1," + secrets[9],
        });
        // A request line Kestrel refuses itself (a control character in the query) is logged by Kestrel, not hosting.
        var refused = await RawHttp.SendAsync(_app.Http.BaseAddress!,
            System.Text.Encoding.ASCII.GetBytes($"GET /send?key={secrets[2]}-raw\u0000 HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.Equal(400, refused?.Status);
        // Media goes to the provider as a SAS link (sig=…), which the sandbox fetches over HttpClient.
        var image = media.Url("/file/jpeg/2000?type=image/jpeg");
        using var accepted = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"+12025550123","imageUrl":"{{image}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await Json.ReadAsync(accepted)).Str("id");
        await Eventually.MatchesAsync(async () =>
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
            return (await Json.ReadAsync(response)).Str("status");
        }, status => status is "delivered" or "read");

        var lines = _app.Logs.Lines.ToList();
        foreach (var path in new[] { $"/webhooks/evolution/{session.Id}", "/webhooks/whatsapp-cloud", "/messages", "/send" })
            Assert.Contains(lines, l => l.Contains("Request finished") && l.Contains(path + "?*"));
        Assert.Contains(lines, l => l.Contains("Request finished") && l.Contains("GET") && l.Contains("/messages?* - 200"));
        Assert.Contains(lines, l => l.Contains("Kestrel.BadRequests") && l.Contains("Invalid request line"));
        foreach (var secret in secrets.Concat(["12025550123", "sig="]))
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.OrdinalIgnoreCase));
    }
}
