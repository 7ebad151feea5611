using System.Net;
using System.Text.Json;
using ChatSend.Messages;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd.AnyHost;

/// <summary>
/// Media messages over HTTP, through staging and the sandbox, which downloads each file by its SAS link and checks its
/// hash. The media server listens on 127.0.0.1: a host pointed at must run on this machine and allow that address
/// (<c>ChatSend__Media__AllowedPrivateNetworks=127.0.0.1/32</c>).
/// </summary>
public sealed class MediaDeliveryTests(ChatSendTarget target, MediaServer media) : IClassFixture<ChatSendTarget>, IClassFixture<MediaServer>
{
    private async Task<JsonElement> ReadMessageAsync(string key, string id)
    {
        using var response = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Get, $"/messages/{id}", key));
        return await Json.ReadAsync(response);
    }

    [Theory]
    [InlineData("imageUrl", "jpeg", "image/jpeg", "image", "a caption")]
    [InlineData("videoUrl", "mp4", "video/mp4", "video", null)]
    [InlineData("documentUrl", "pdf", "application/pdf", "document", "the report")]
    [InlineData("audioUrl", "ogg", "audio/ogg", "ptt", null)]
    public async Task EachMediaTypeIsDeliveredAndReadWithItsBytesIntact(string field, string format, string mime, string type, string? caption)
    {
        var (session, key) = await target.NewSessionAsync();
        var url = media.Url($"/file/{format}/{300_000}?type={mime}");
        var body = new Dictionary<string, string> { ["session"] = session.Id, ["to"] = "+12025550123", [field] = url };
        if (caption is not null)
            body["text"] = caption;
        using var response = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Post, "/send", key, JsonSerializer.Serialize(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await Json.ReadAsync(response);
        Assert.Equal((type, caption ?? url), (accepted.Str("type"), accepted.Str("content")));

        var read = await Eventually.MatchesAsync(() => ReadMessageAsync(key, accepted.Str("id")), m => m.Str("status") is "read" or "failed");
        Assert.Equal("read", read.Str("status"));
        MessageId.TryParse(accepted.Str("id"), out var id);
        var row = await target.Get<MessageStore>().FindAsync(id);
        Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes(format, 300_000)), row!.MediaSha256);
    }
}
