using System.Net;
using System.Text.Json;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd.AnyHost;

/// <summary>Scheduling, canceling, listing and <c>Idempotency-Key</c> over HTTP, as a client uses them.</summary>
public sealed class MessagesApiTests(ChatSendTarget target) : IClassFixture<ChatSendTarget>
{
    private static string Later(TimeSpan ahead) => DateTimeOffset.UtcNow.Add(ahead).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string key, string? json = null,
        string? idempotencyKey = null)
    {
        var request = ChatSendTarget.Request(method, path, key, json);
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await target.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length > 0 ? Json.Parse(text) : default);
    }

    private async Task<string> PostAsync(string session, string key, string extra = "")
    {
        var (response, body) = await SendAsync(HttpMethod.Post, "/send", key, $$"""{"session":"{{session}}","to":"+12025550123","text":"hi"{{extra}}}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return body.Str("id");
    }

    [Fact]
    public async Task AScheduledMessageCanBeCanceledAndStaysCanceled()
    {
        var (session, key) = await target.NewSessionAsync();
        var sendAt = Later(TimeSpan.FromHours(1));
        var (accepted, body) = await SendAsync(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"later","sendAt":"{{sendAt}}"}""");
        Assert.Equal((HttpStatusCode.Accepted, "scheduled"), (accepted.StatusCode, body.Str("status")));
        var id = body.Str("id");

        var (canceled, view) = await SendAsync(HttpMethod.Delete, $"/messages/{id}", key);
        Assert.Equal((HttpStatusCode.OK, "canceled"), (canceled.StatusCode, view.Str("status")));
        Assert.Equal(sendAt.Replace("Z", ".000Z"), view.Str("sendAt"));

        var (again, _) = await SendAsync(HttpMethod.Delete, $"/messages/{id}", key);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var (_, read) = await SendAsync(HttpMethod.Get, $"/messages/{id}", key);
        Assert.Equal(["scheduled", "canceled"], read.GetProperty("statusHistory").EnumerateArray().Select(h => h.Str("status")));
    }

    [Fact]
    public async Task ASentMessageCannotBeCanceledAndAnotherSessionsIsNotFound()
    {
        var (session, key) = await target.NewSessionAsync();
        var (_, otherKey) = await target.NewSessionAsync();
        var id = await PostAsync(session.Id, key);
        await Eventually.MatchesAsync(async () => (await SendAsync(HttpMethod.Get, $"/messages/{id}", key)).Body.Str("status"),
            status => status is "sent" or "delivered" or "read");

        var (late, problem) = await SendAsync(HttpMethod.Delete, $"/messages/{id}", key);
        Assert.Equal((HttpStatusCode.Conflict, "application/problem+json"), (late.StatusCode, late.Content.Headers.ContentType?.MediaType));
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
        var (foreign, _) = await SendAsync(HttpMethod.Delete, $"/messages/{id}", otherKey);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task ASessionsMessagesListNewestFirstPageByPageAndFilterByStatus()
    {
        var (session, key) = await target.NewSessionAsync();
        var first = await PostAsync(session.Id, key);
        var second = await PostAsync(session.Id, key);
        var scheduled = await PostAsync(session.Id, key, $$""","sendAt":"{{Later(TimeSpan.FromDays(2))}}" """.TrimEnd());

        var (page1, body1) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&limit=2", key);
        Assert.Equal(HttpStatusCode.OK, page1.StatusCode);
        Assert.Equal([scheduled, second], body1.GetProperty("items").EnumerateArray().Select(m => m.Str("id")));
        var (_, body2) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&limit=2&cursor={body1.Str("next")}", key);
        Assert.Equal([first], body2.GetProperty("items").EnumerateArray().Select(m => m.Str("id")));
        Assert.Equal(JsonValueKind.Null, body2.GetProperty("next").ValueKind);

        var (_, only) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&status=scheduled", key);
        Assert.Equal([scheduled], only.GetProperty("items").EnumerateArray().Select(m => m.Str("id")));
        var (_, none) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&since={Later(TimeSpan.FromMinutes(1))}", key);
        Assert.Empty(none.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("cursor=..%2F", "cursor")]
    [InlineData("status=lost", "status")]
    [InlineData("since=yesterday", "since")]
    [InlineData("direction=sideways", "direction")]
    [InlineData("chat=%0A", "chat")]
    public async Task ABadListingQueryIs400NamingTheParameter(string query, string field)
    {
        var (session, key) = await target.NewSessionAsync();
        var (response, problem) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&{query}", key);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task AConversationListsOnlyItsChatNewestFirstAndPagesByCursor()
    {
        var (session, key) = await target.NewSessionAsync();
        async Task<string> ToAsync(string to) =>
            (await SendAsync(HttpMethod.Post, "/send", key, $$"""{"session":"{{session.Id}}","to":"{{to}}","text":"hi"}""")).Body.Str("id");
        var first = await ToAsync("+12025550123");
        await ToAsync("+12025550124");
        var second = await ToAsync("+1 (202) 555-0123");

        var (_, page1) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&chat=%2B12025550123&limit=1", key);
        var (_, page2) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&chat=12025550123&limit=1&cursor={page1.Str("next")}", key);
        var (_, outbound) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&chat=%2B12025550123&direction=outbound", key);
        var (_, inbound) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}&direction=inbound", key);

        Assert.Equal([second], page1.GetProperty("items").EnumerateArray().Select(m => m.Str("id")));
        Assert.Equal([first], page2.GetProperty("items").EnumerateArray().Select(m => m.Str("id")));
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("next").ValueKind);
        Assert.Equal([second, first], outbound.GetProperty("items").EnumerateArray().Select(m => m.Str("id")));
        Assert.All(outbound.GetProperty("items").EnumerateArray(), m =>
            Assert.Equal(("outbound", "+12025550123", true), (m.Str("direction"), m.Str("chat"), m.GetProperty("fromMe").GetBoolean())));
        Assert.Empty(inbound.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ListingAnotherSessionIs403()
    {
        var (_, key) = await target.NewSessionAsync();
        var (other, _) = await target.NewSessionAsync();
        var (response, _) = await SendAsync(HttpMethod.Get, $"/messages?session={other.Id}", key);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ARepeatedIdempotencyKeyIsAnsweredAsTheFirstTime()
    {
        var (session, key) = await target.NewSessionAsync();
        var json = $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"once"}""";
        var (first, one) = await SendAsync(HttpMethod.Post, "/send", key, json, "invoice-7");
        var (again, two) = await SendAsync(HttpMethod.Post, "/send", key, json, "invoice-7");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, again.StatusCode));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((one.Str("id"), "queued"), (two.Str("id"), two.Str("status")));
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        var (_, list) = await SendAsync(HttpMethod.Get, $"/messages?session={session.Id}", key);
        Assert.Single(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ASessionShowsItsProviderAndSenderToAKeyThatCoversIt()
    {
        var (session, key) = await target.NewSessionAsync();
        var (_, otherKey) = await target.NewSessionAsync();

        var (response, view) = await SendAsync(HttpMethod.Get, $"/sessions/{session.Id}", key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((session.Id, "sandbox", session.SenderPhone, true), (view.Str("id"), view.Str("provider"), view.Str("sender"), view.GetProperty("enabled").GetBoolean()));
        Assert.Empty(view.GetProperty("secrets").EnumerateObject());

        var (foreign, _) = await SendAsync(HttpMethod.Get, $"/sessions/{session.Id}", otherKey);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }
}
