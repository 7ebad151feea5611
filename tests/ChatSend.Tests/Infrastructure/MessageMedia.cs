using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ChatSend.Tests.Infrastructure;

/// <summary>What a client sees of a customer's file: the message's <c>media</c> once settled, and <c>GET /messages/{id}/media</c>.</summary>
public static class MessageMedia
{
    /// <summary>Waits until the message's file is settled (a URL or an error, no longer pending) and returns its <c>media</c>.</summary>
    public static Task<JsonElement> SettledAsync(HttpClient http, string key, string id) =>
        Eventually.MatchesAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/messages/{id}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request);
            return (await Json.ReadAsync(response)).GetProperty("media");
        }, media => !media.TryGetProperty("pending", out _), TimeSpan.FromSeconds(30));

    /// <summary>The bytes and type <c>GET /messages/{id}/media</c> streams.</summary>
    public static async Task<(byte[] Bytes, string? Type)> FileAsync(HttpClient http, string key, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/messages/{id}/media");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A file of this MIME type as ChatSend's format check takes it: the format's first bytes, then random ones.</summary>
    public static byte[] BytesFor(string mimeType, int size) => MediaServer.FileBytes(mimeType.Split(';')[0].Trim() switch
    {
        "image/jpeg" => "jpeg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "application/pdf" => "pdf",
        _ => "text",
    }, size);
}
