using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd;

/// <summary>Tests that measure the whole process (its allocations) run with no other test class beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneInTheProcess
{
    public const string Name = "alone in the process";
}

/// <summary>
/// <c>GET /messages/{id}/media</c> streams the blob to the client as it comes: serving a 16 MiB file through the local
/// host costs the process a small fraction of the file in allocations, where holding it whole would cost more than the file.
/// </summary>
[Collection(AloneInTheProcess.Name)]
public sealed class MediaStreamingTests(Azurite azurite, MediaServer media) : IClassFixture<Azurite>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AFileIsStreamedToTheClientNotHeldWholeInMemory()
    {
        const long size = 16 * 1024 * 1024;
        var (session, key) = await _app.NewSessionAsync();
        using var received = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, $"/sandbox/sessions/{session.Id}/inbound", key,
            JsonSerializer.Serialize(new { from = "+14155550123", imageUrl = media.Url($"/file/jpeg/{size}?type=image/jpeg") })));
        var id = (await Json.ReadAsync(received)).Str("id");
        var staged = await Eventually.MatchesAsync(async () =>
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
            return (await Json.ReadAsync(response)).GetProperty("media");
        }, m => m.TryGetProperty("sha256", out _));
        await ReadAllAsync(id, key); // warm: connections, buffers, JIT

        // Everything this process allocates while the host serves the file and the client reads it, 64 KiB at a time.
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var sha256 = await ReadAllAsync(id, key);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;

        Assert.Equal(staged.Str("sha256"), sha256);
        Assert.True(allocated < size / 4, $"serving a {size}-byte file allocated {allocated} bytes");
    }

    private async Task<string> ReadAllAsync(string id, string key)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}/media", key), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        for (int read; (read = await body.ReadAsync(buffer)) > 0;)
            hash.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
