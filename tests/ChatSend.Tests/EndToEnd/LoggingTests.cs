using System.Net;
using ChatSend.Auth;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd;

/// <summary>Everything the host logs at every level, across good and bad requests, holds no key, no full phone number and no whole group JID.</summary>
public sealed class LoggingTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:ChatSend.Host.Queues"] = "Trace",
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
}
