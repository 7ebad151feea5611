using System.Net;
using System.Text.Json;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>Media messages over HTTP, through staging and the sandbox, which downloads each file by its SAS link and checks its hash.</summary>
public sealed class MediaDeliveryTests(Azurite azurite, MediaServer media) : IClassFixture<Azurite>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Settings = new() { ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32" };
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, Settings);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<JsonElement> ReadMessageAsync(string key, string id)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
        return await Json.ReadAsync(response);
    }

    [Theory]
    [InlineData("imageUrl", "jpeg", "image/jpeg", "image", "a caption")]
    [InlineData("videoUrl", "mp4", "video/mp4", "video", null)]
    [InlineData("documentUrl", "pdf", "application/pdf", "document", "the report")]
    [InlineData("audioUrl", "ogg", "audio/ogg", "ptt", null)]
    public async Task EachMediaTypeIsDeliveredAndReadWithItsBytesIntact(string field, string format, string mime, string type, string? caption)
    {
        var (session, key) = await _app.NewSessionAsync();
        var url = media.Url($"/file/{format}/{300_000}?type={mime}");
        var body = new Dictionary<string, string> { ["session"] = session.Id, ["to"] = "+12025550123", [field] = url };
        if (caption is not null)
            body["text"] = caption;
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, JsonSerializer.Serialize(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await Json.ReadAsync(response);
        Assert.Equal((type, caption ?? url), (accepted.Str("type"), accepted.Str("content")));

        var read = await Eventually.MatchesAsync(() => ReadMessageAsync(key, accepted.Str("id")), m => m.Str("status") is "read" or "failed");
        Assert.Equal("read", read.Str("status"));
        MessageId.TryParse(accepted.Str("id"), out var id);
        var row = await _app.Services.GetRequiredService<MessageStore>().FindAsync(id);
        Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes(format, 300_000)), row!.MediaSha256);
    }

    [Fact]
    public async Task MediaChangedAfterStagingIsRefusedByTheProviderAndTheMessageFails()
    {
        // Driven step by step (no listeners) so the blob can be changed between staging and delivery.
        await using var services = new TestServices(azurite, Settings);
        var (session, key) = await services.NewSessionAsync(ChatSend.Providers.SandboxProvider.ProviderName);
        var (status, view, _) = await services.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","imageUrl":"{{media.Url("/file/png/2000")}}"}""");
        Assert.Equal(202, status);
        MessageId.TryParse(view!.Id, out var id);
        var row = await services.Get<MessageStore>().FindAsync(id);
        await azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer).GetBlobClient(row!.MediaBlob)
            .UploadAsync(BinaryData.FromBytes(MediaServer.FileBytes("png", 1999)), overwrite: true);

        await services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);

        var failed = await services.Get<MessageStore>().FindAsync(id);
        Assert.Equal("failed", failed!.Status);
        Assert.Contains("SHA-256", failed.FailureReason);
    }
}
