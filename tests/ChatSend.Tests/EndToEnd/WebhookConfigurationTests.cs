using System.Net;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd;

/// <summary>What configuration changes about the webhook routes: the secrets key, http, and private networks opened for tests.</summary>
public sealed class WebhookConfigurationTests(Azurite azurite) : IClassFixture<Azurite>
{
    private static async Task<(HttpResponseMessage Response, string Body)> CreateAsync(TestApp app, string url)
    {
        var (session, key) = await app.NewSessionAsync();
        var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key, $$"""{"url":"{{url}}"}"""));
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("bm90IDMyIGJ5dGVz")] // base64, but not 32 bytes
    [InlineData("not base64 at all")]
    public async Task WithoutTheSecretsKeyEveryWebhookRouteAnswers503SayingWhatToSet(string key)
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { [TestKeys.WebhookSecretsKeySetting] = key });
        var (session, apiKey) = await app.NewSessionAsync();

        foreach (var (method, path) in new[] { (HttpMethod.Post, "webhooks"), (HttpMethod.Get, "webhooks"), (HttpMethod.Post, "webhooks/wh_x/rotate"),
                     (HttpMethod.Patch, "webhooks/wh_x"), (HttpMethod.Delete, "webhooks/wh_x") })
        {
            using var response = await app.Http.SendAsync(app.Request(method, $"/sessions/{session.Id}/{path}", apiKey, """{"url":"https://8.8.8.8/"}"""));
            var problem = Json.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "application/problem+json"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
            Assert.Contains("ChatSend:Secrets:webhook_secrets_key", problem.Str("detail"));
            Assert.Contains("openssl rand -base64 32", problem.Str("detail"));
            if (key.Length > 0)
                Assert.DoesNotContain(key, problem.Str("detail"));
        }
        // The rest of ChatSend keeps working.
        using var sent = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/send", apiKey, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hi"}"""));
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
    }

    [Fact]
    public async Task HttpIsRefusedUnlessAllowed()
    {
        await using (var strict = await TestApp.StartAsync(azurite))
        {
            var (refused, body) = await CreateAsync(strict, "http://8.8.8.8/hook");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("https", Json.Parse(body).GetProperty("errors").GetProperty("url")[0].GetString());
        }
        await using var lax = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["ChatSend:Webhooks:AllowHttp"] = "true" });
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(lax, "http://8.8.8.8/hook")).Response.StatusCode);
    }

    [Fact]
    public async Task AllowedPrivateNetworksOpensTheChosenRangesOnly()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Webhooks:AllowHttp"] = "true",
            ["ChatSend:Media:AllowedPrivateNetworks"] = "10.1.0.0/16",
        });

        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(app, "http://10.1.2.3:5000/hook")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await CreateAsync(app, "http://10.2.0.5/hook")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await CreateAsync(app, "http://127.0.0.1/hook")).Response.StatusCode);
    }
}
