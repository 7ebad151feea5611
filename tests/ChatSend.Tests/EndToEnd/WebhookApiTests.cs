using System.Net;
using System.Text.Json;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>The webhook registry's routes over HTTP on the local host (docs/events-and-webhooks.md, "Registering webhooks").</summary>
public sealed class WebhookApiTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const string PublicUrl = "https://8.8.8.8/hooks/chatsend";
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Webhooks:MaxPerSession"] = "3",
            ["ChatSend:Media:AllowedPrivateNetworks"] = "", // the local host's appsettings.json opens loopback
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(HttpResponseMessage Response, JsonElement Body)> CallAsync(HttpMethod method, string path, string key, string? json = null)
    {
        var response = await _app.Http.SendAsync(_app.Request(method, path, key, json));
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length > 0 ? Json.Parse(text) : default);
    }

    private async Task<(string Session, string Key, JsonElement Created)> NewWebhookAsync(string json = $$"""{"url":"{{PublicUrl}}"}""")
    {
        var (session, key) = await _app.NewSessionAsync();
        var (response, body) = await CallAsync(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key, json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (session.Id, key, body);
    }

    private static void AssertProblemNames(HttpResponseMessage response, JsonElement body, HttpStatusCode status, string field)
    {
        Assert.Equal((status, "application/problem+json"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"errors does not name {field}: {body}");
    }

    [Fact]
    public async Task CreatingAWebhookAnswers201WithLocationAndTheSecretOnce()
    {
        var (session, key, created) = await NewWebhookAsync($$"""{"url":"{{PublicUrl}}","events":["chatsend.message.read","chatsend.message.failed"]}""");

        var id = created.Str("id");
        Assert.Matches("^wh_[A-Za-z0-9_-]{22}$", id);
        Assert.Equal((PublicUrl, true), (created.Str("url"), created.GetProperty("enabled").GetBoolean()));
        Assert.Equal(["chatsend.message.read", "chatsend.message.failed"], created.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", created.Str("secret"));
        Assert.Equal(32, Convert.FromBase64String(created.Str("secret")["whsec_".Length..]).Length);

        var (listed, list) = await CallAsync(HttpMethod.Get, $"/sessions/{session}/webhooks", key);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(id, item.Str("id"));
        Assert.False(item.TryGetProperty("secret", out _));
        Assert.DoesNotContain("whsec_", list.ToString());
        Assert.Equal(0, item.GetProperty("lastDeliveries").GetArrayLength());
    }

    [Fact]
    public async Task TheLocationHeaderNamesTheNewWebhook()
    {
        var (session, key) = await _app.NewSessionAsync();
        var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key, $$"""{"url":"{{PublicUrl}}"}"""));
        var body = Json.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal($"/sessions/{session.Id}/webhooks/{body.Str("id")}", response.Headers.Location?.OriginalString);
        Assert.Equal(0, body.GetProperty("events").GetArrayLength()); // no filter: every type
    }

    [Fact]
    public async Task ListingShowsTheLastDeliveriesNewestFirst()
    {
        var (session, key, created) = await NewWebhookAsync();
        var id = created.Str("id");
        var log = _app.Services.GetRequiredService<IWebhookLog>();
        var start = DateTimeOffset.UtcNow;
        await log.AddAsync(session, id, new WebhookAttempt(start, "e1", 500, 120, "Internal Server Error"), CancellationToken.None);
        await log.AddAsync(session, id, new WebhookAttempt(start.AddSeconds(5), "e1", 200, 35, null), CancellationToken.None);

        var (_, list) = await CallAsync(HttpMethod.Get, $"/sessions/{session}/webhooks", key);

        var deliveries = Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("lastDeliveries").EnumerateArray().ToList();
        Assert.Equal([200, 500], deliveries.Select(d => d.GetProperty("status").GetInt32()));
        Assert.Equal((35, false), (deliveries[0].GetProperty("latencyMs").GetInt64(), deliveries[0].TryGetProperty("error", out _)));
        Assert.Equal("Internal Server Error", deliveries[1].Str("error"));
    }

    [Fact]
    public async Task RotatingAnswersANewSecretAndBothSignDuringTheGrace()
    {
        var (session, key, created) = await NewWebhookAsync();
        var id = created.Str("id");

        var (response, rotated) = await CallAsync(HttpMethod.Post, $"/sessions/{session}/webhooks/{id}/rotate", key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, rotated.Str("id"));
        Assert.NotEqual(created.Str("secret"), rotated.Str("secret"));
        var secrets = await _app.Services.GetRequiredService<IWebhookEndpoints>().SigningSecretsAsync(session, id, CancellationToken.None);
        Assert.Equal([rotated.Str("secret"), created.Str("secret")], secrets);
    }

    [Fact]
    public async Task PatchChangesOnlyTheFieldsGivenAndReEnablingClearsTheReasonAndFailure()
    {
        var (session, key, created) = await NewWebhookAsync();
        var id = created.Str("id");
        var endpoints = _app.Services.GetRequiredService<IWebhookEndpoints>();
        await endpoints.RecordOutcomeAsync(session, id, succeeded: false, DateTimeOffset.UtcNow, CancellationToken.None);
        await endpoints.DisableAsync(session, id, "failing for 24 hours", CancellationToken.None);
        var (_, listed) = await CallAsync(HttpMethod.Get, $"/sessions/{session}/webhooks", key);
        Assert.Equal("failing for 24 hours", listed.GetProperty("items")[0].Str("disabledReason"));

        var (response, patched) = await CallAsync(HttpMethod.Patch, $"/sessions/{session}/webhooks/{id}", key,
            """{"enabled":true,"events":["chatsend.message.delivered"]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((id, PublicUrl, true, false), (patched.Str("id"), patched.Str("url"), patched.GetProperty("enabled").GetBoolean(),
            patched.TryGetProperty("disabledReason", out _)));
        Assert.Equal(["chatsend.message.delivered"], patched.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        var stored = (await endpoints.FindAsync(session, id, CancellationToken.None))!;
        Assert.Equal((true, (DateTimeOffset?)null), (stored.Enabled, stored.FailingSince));
    }

    [Fact]
    public async Task DeleteAnswers204AndTheWebhookIsGone()
    {
        var (session, key, created) = await NewWebhookAsync();
        var id = created.Str("id");

        var (deleted, _) = await CallAsync(HttpMethod.Delete, $"/sessions/{session}/webhooks/{id}", key);
        var (again, problem) = await CallAsync(HttpMethod.Delete, $"/sessions/{session}/webhooks/{id}", key);
        var (patched, _) = await CallAsync(HttpMethod.Patch, $"/sessions/{session}/webhooks/{id}", key, """{"enabled":false}""");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        AssertProblemNames(again, problem, HttpStatusCode.NotFound, "id");
        Assert.Equal(HttpStatusCode.NotFound, patched.StatusCode);
        var (_, list) = await CallAsync(HttpMethod.Get, $"/sessions/{session}/webhooks", key);
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://2130706433/")]
    [InlineData("https://0x7f.1/")]
    [InlineData("https://[::ffff:127.0.0.1]/")]
    [InlineData("https://[::ffff:0:a9fe:a9fe]/")] // SIIT IPv4-translated 169.254.169.254
    [InlineData("https://[64:ff9b:1::a9fe:a9fe]/")] // local-use NAT64 of 169.254.169.254
    [InlineData("https://[2001:0:4136:e378:8000:63bf:5601:5601]/")] // Teredo, client 169.254.169.254
    [InlineData("https://[::1]:8443/")]
    [InlineData("https://localhost/hook")]
    public async Task AUrlThatReachesAPrivateAddressIsRefusedNamingUrl(string url)
    {
        var (session, key) = await _app.NewSessionAsync();

        var (response, problem) = await CallAsync(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key, $$"""{"url":"{{url}}"}""");

        AssertProblemNames(response, problem, HttpStatusCode.BadRequest, "url");
        Assert.Contains("private", problem.GetProperty("errors").GetProperty("url")[0].GetString());
    }

    [Theory]
    [InlineData("""{"events":["chatsend.message.read"]}""", "url")]
    [InlineData("""{"url":"ftp://8.8.8.8/x"}""", "url")]
    [InlineData("""{"url":"https://user:pw@8.8.8.8/x"}""", "url")]
    [InlineData("""{"url":"/relative"}""", "url")]
    [InlineData("""{"url":42}""", "url")]
    [InlineData("""{"url":"https://8.8.8.8/","events":["chatsend.message.read","chatsend.message.sent","chatsend.message.nope"]}""", "events[2]")]
    [InlineData("""{"url":"https://8.8.8.8/","events":[1]}""", "events[0]")]
    [InlineData("""{"url":"https://8.8.8.8/","events":"chatsend.message.read"}""", "events")]
    [InlineData("""{"url":"https://8.8.8.8/","enabled":false}""", "enabled")]
    [InlineData("""[]""", "body")]
    public async Task BadInputIsA400ProblemNamingTheField(string json, string field)
    {
        var (session, key) = await _app.NewSessionAsync();

        var (response, problem) = await CallAsync(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key, json);

        AssertProblemNames(response, problem, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task AUrlOverTheLengthLimitIsRefused()
    {
        var (session, key) = await _app.NewSessionAsync();
        var url = "https://8.8.8.8/" + new string('a', WebhookUrlCheck.MaxLength);

        var (response, problem) = await CallAsync(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key, $$"""{"url":"{{url}}"}""");

        AssertProblemNames(response, problem, HttpStatusCode.BadRequest, "url");
    }

    [Fact]
    public async Task PatchWithAWrongTypeNamesTheField()
    {
        var (session, key, created) = await NewWebhookAsync();

        var (response, problem) = await CallAsync(HttpMethod.Patch, $"/sessions/{session}/webhooks/{created.Str("id")}", key, """{"enabled":"yes"}""");

        AssertProblemNames(response, problem, HttpStatusCode.BadRequest, "enabled");
    }

    [Fact]
    public async Task AKeyForAnotherSessionGets404OnEveryRoute()
    {
        var (session, _, created) = await NewWebhookAsync();
        var (_, otherKey) = await _app.NewSessionAsync();
        var id = created.Str("id");

        var answers = new List<HttpStatusCode>
        {
            (await CallAsync(HttpMethod.Post, $"/sessions/{session}/webhooks", otherKey, $$"""{"url":"{{PublicUrl}}"}""")).Response.StatusCode,
            (await CallAsync(HttpMethod.Get, $"/sessions/{session}/webhooks", otherKey)).Response.StatusCode,
            (await CallAsync(HttpMethod.Post, $"/sessions/{session}/webhooks/{id}/rotate", otherKey)).Response.StatusCode,
            (await CallAsync(HttpMethod.Patch, $"/sessions/{session}/webhooks/{id}", otherKey, """{"enabled":false}""")).Response.StatusCode,
            (await CallAsync(HttpMethod.Delete, $"/sessions/{session}/webhooks/{id}", otherKey)).Response.StatusCode,
            (await CallAsync(HttpMethod.Get, "/sessions/no-such-session/webhooks", otherKey)).Response.StatusCode,
        };

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.NotFound, status));
        Assert.True((await _app.Services.GetRequiredService<IWebhookEndpoints>().FindAsync(session, id, CancellationToken.None))!.Enabled);
    }

    [Fact]
    public async Task WithoutAKeyTheRoutesAnswer401()
    {
        var (response, _) = await CallAsync(HttpMethod.Get, "/sessions/any/webhooks", "cs_0123456789abcdef_nope");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ASessionOverItsLimitGetsA409Problem()
    {
        var (session, key) = await _app.NewSessionAsync();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Created,
                (await CallAsync(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key, $$"""{"url":"{{PublicUrl}}/{{i}}"}""")).Response.StatusCode);

        var (response, problem) = await CallAsync(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key, $$"""{"url":"{{PublicUrl}}"}""");

        Assert.Equal((HttpStatusCode.Conflict, "application/problem+json"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.Contains("at most 3", problem.Str("detail"));
    }
}
