using System.Net;
using System.Text.Json;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd.Health;

/// <summary>GETs a health route and checks what every answer must hold: JSON, not cached, nothing a stranger may not read.</summary>
public static class HealthProbes
{
    // Azurite's published development account key, as the test connection strings carry it.
    private const string AccountKeyStart = "Eby8vdM02xNOcqFlqUwJPLlm";

    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, string route)
    {
        using var response = await http.GetAsync(route.TrimStart('/'));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore, "health answers must not be cached by anything in between");
        foreach (var secret in new[] { AccountKeyStart, "AccountKey", "DefaultEndpointsProtocol", "devstoreaccount1", "127.0.0.1", "+1555", "   at " })
            Assert.DoesNotContain(secret, text);
        return (response.StatusCode, Json.Parse(text));
    }

    public static JsonElement Check(this JsonElement body, string name) => body.GetProperty("checks").GetProperty(name);

    public static string? Description(this JsonElement check) => check.GetProperty("description").GetString();
}
