using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ChatSend.Auth;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd.AnyHost;

/// <summary>A ChatSend host (the local host by default, any host through <see cref="ChatSendTarget"/>) driven over real HTTP as a client would.</summary>
public sealed class SendOverHttpTests(ChatSendTarget target) : IClassFixture<ChatSendTarget>
{

    private Task<HttpResponseMessage> PostAsync(string? key, string json) =>
        target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Post, "/send", key, json));

    private async Task<JsonElement> GetMessageAsync(string key, string id)
    {
        using var response = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Get, $"/messages/{id}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json.ReadAsync(response);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.Str("title")));
        if (field is not null)
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
        return problem;
    }

    [Fact]
    public async Task TextMessageGoesQueuedSentDeliveredRead()
    {
        var (session, key) = await target.NewSessionAsync();
        using var response = await PostAsync(key, $$"""{"session":"{{session.Id}}","to":"1 202 555 0123","text":"Hello from ChatSend"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await Json.ReadAsync(response);
        var id = body.Str("id");
        Assert.Equal($"/messages/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(
            ("+12025550123", "Hello from ChatSend", "text", "queued", true, "+15550100001", "+12025550123"),
            (body.Str("to"), body.Str("content"), body.Str("type"), body.Str("status"), body.GetProperty("fromMe").GetBoolean(), body.Str("sender"), body.Str("recipient")));
        var accepted = DateTimeOffset.Parse(body.Str("timestamp"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body.Str("timestamp"));
        Assert.InRange(accepted, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        var read = await Eventually.MatchesAsync(() => GetMessageAsync(key, id), m => m.Str("status") == "read");
        Assert.Equal(["queued", "sent", "delivered", "read"],
            read.GetProperty("statusHistory").EnumerateArray().Select(h => h.Str("status")));
        var times = read.GetProperty("statusHistory").EnumerateArray().Select(h => DateTimeOffset.Parse(h.Str("at"))).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(body.Str("timestamp"), read.Str("timestamp"));
    }

    [Fact]
    public async Task GroupJidIsAcceptedAsGiven()
    {
        var (session, key) = await target.NewSessionAsync();
        using var response = await PostAsync(key, $$"""{"session":"{{session.Id}}","to":"120363025246125486@g.us","text":"hi all"}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("120363025246125486@g.us", (await Json.ReadAsync(response)).Str("to"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    [InlineData("cs_0000000000000000_0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task MissingMalformedOrUnknownKeyIs401WithBearerChallenge(string? key)
    {
        using var response = await PostAsync(key, """{"session":"s","to":"+12025550123","text":"x"}""");
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task RevokedKeyIs401()
    {
        var (session, key) = await target.NewSessionAsync();
        ApiKey.TryParse(key, out var keyId);
        await target.Get<ApiKeyStore>().RevokeAsync(keyId);
        using var response = await PostAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"x"}""");
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task KeyForAnotherSessionIs403()
    {
        var (_, key) = await target.NewSessionAsync();
        var (other, _) = await target.NewSessionAsync();
        using var response = await PostAsync(key, $$"""{"session":"{{other.Id}}","to":"+12025550123","text":"x"}""");
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "session");
    }

    [Fact]
    public async Task UnknownSessionIs404AndDisabledSessionIs409()
    {
        var allKey = await target.Get<ApiKeyStore>().CreateAsync("all", ["*"]);
        using var unknown = await PostAsync(allKey, """{"session":"nobody-here","to":"+12025550123","text":"x"}""");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "session");

        var (disabled, key) = await target.NewSessionAsync(enabled: false);
        using var response = await PostAsync(key, $$"""{"session":"{{disabled.Id}}","to":"+12025550123","text":"x"}""");
        await AssertProblemAsync(response, HttpStatusCode.Conflict, "session");
    }

    [Fact]
    public async Task InvalidFieldsAre400NamingEachField()
    {
        var (session, key) = await target.NewSessionAsync();
        using var response = await PostAsync(key, $$"""{"session":"{{session.Id}}","to":"+1 555","text":"{{new string('x', 4097)}}"}""");
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "to");
        Assert.Contains("4096", problem.GetProperty("errors").GetProperty("text")[0].GetString());
    }

    [Fact]
    public async Task BrokenJsonIs400NamingTheBody()
    {
        var (session, key) = await target.NewSessionAsync();
        using var response = await PostAsync(key, $$"""{"session":"{{session.Id}}","to":""");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "body");
    }

    [Fact]
    public async Task BodyOver64KiBIs413WithOrWithoutContentLength()
    {
        var (session, key) = await target.NewSessionAsync();
        var json = $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hi","pad":"{{new string(' ', 64 * 1024)}}"}""";

        using var declared = await PostAsync(key, json);
        await AssertProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge, "body");

        var chunked = ChatSendTarget.Request(HttpMethod.Post, "/send", key);
        chunked.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        using var streamed = await target.Http.SendAsync(chunked);
        await AssertProblemAsync(streamed, HttpStatusCode.RequestEntityTooLarge, "body");
    }

    [Fact]
    public async Task BodyOfExactly64KiBIsRead()
    {
        var (session, key) = await target.NewSessionAsync();
        var prefix = $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hi","pad":" """;
        var json = prefix + new string(' ', 64 * 1024 - prefix.Length - 2) + "\"}";
        Assert.Equal(64 * 1024, Encoding.UTF8.GetByteCount(json));
        using var response = await PostAsync(key, json);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task TextReadAcrossTheBodysReadsArrivesWhole()
    {
        var (session, key) = await target.NewSessionAsync();
        // The body is read 16 KiB at a time: the text starts before the first read's end and runs past it.
        var text = string.Concat(Enumerable.Range(0, 4000).Select(i => (char)('a' + i * 7 % 26)));
        var json = $$"""{"session":"{{session.Id}}","to":"+12025550123","pad":"{{new string(' ', 15_000)}}","text":"{{text}}"}""";
        var start = json.IndexOf(text, StringComparison.Ordinal);
        Assert.InRange(16 * 1024, start + 1, start + text.Length - 1);
        using var response = await PostAsync(key, json);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(text, (await Json.ReadAsync(response)).Str("content"));
    }

    [Fact]
    public async Task NonJsonContentTypeIs415()
    {
        var (session, key) = await target.NewSessionAsync();
        var request = ChatSendTarget.Request(HttpMethod.Post, "/send", key);
        request.Content = new StringContent($$"""{"session":"{{session.Id}}","to":"+12025550123","text":"x"}""", Encoding.UTF8, "text/plain");
        using var response = await target.Http.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Fact]
    public async Task MessagesOfOtherSessionsAnswer404()
    {
        var (session, key) = await target.NewSessionAsync();
        var (_, otherKey) = await target.NewSessionAsync();
        using var sent = await PostAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"x"}""");
        var id = (await Json.ReadAsync(sent)).Str("id");

        using var other = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Get, $"/messages/{id}", otherKey));
        await AssertProblemAsync(other, HttpStatusCode.NotFound);
        using var garbage = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Get, "/messages/msg_nope", key));
        await AssertProblemAsync(garbage, HttpStatusCode.NotFound);
        using var anonymous = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Get, $"/messages/{id}", null));
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
    }
}
