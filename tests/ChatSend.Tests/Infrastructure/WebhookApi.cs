using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ChatSend.Tests.Infrastructure;

/// <summary>The webhook routes (docs/events-and-webhooks.md), called over HTTP as a customer calls them.</summary>
public sealed class WebhookApi(TestApp app, string session, string key)
{
    public sealed record Registered(string Id, string Secret);

    public async Task<Registered> RegisterAsync(string url, params string[] events)
    {
        var body = new JsonObject { ["url"] = url };
        if (events.Length > 0)
            body["events"] = new JsonArray(events.Select(e => (JsonNode)e).ToArray());
        using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/sessions/{session}/webhooks", key, body.ToJsonString()));
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {json}");
        return new((string)json!["id"]!, (string)json["secret"]!);
    }

    public async Task<string> RotateAsync(string id)
    {
        using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/sessions/{session}/webhooks/{id}/rotate", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["secret"]!;
    }

    /// <summary>The webhook as the listing shows it (<c>enabled</c>, <c>disabledReason</c>, <c>lastDeliveries</c>).</summary>
    public async Task<JsonObject> GetAsync(string id)
    {
        using var response = await app.Http.SendAsync(app.Request(HttpMethod.Get, $"/sessions/{session}/webhooks", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray();
        return items.Single(i => (string?)i!["id"] == id)!.AsObject();
    }
}
