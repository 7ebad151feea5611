using System.Net;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Send;
using ChatSend.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatSend.Bench;

/// <summary>
/// 16 MiB files staged from a media server on 127.0.0.1 (<see cref="MediaStager.StageAsync"/>, as POST /send does),
/// against its floor (<see cref="MediaFloor"/>: the same fetch, hash and block upload in a tight loop) and a raw upload of
/// the same bytes with the same blob client.
/// </summary>
internal static class MediaRun
{
    public const string Raw = "raw";
    public const string Floor = "floor";
    public const string Staged = "staged";
    public const int FileSize = 16 * 1024 * 1024;

    public static async Task<RunResult> RunAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        var file = new byte[FileSize];
        new Random(42).NextBytes(file);
        new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }.CopyTo(file, 0); // a JPEG's first bytes
        await using var server = await StartMediaServerAsync(file);
        var url = new Uri(new Uri(server.Urls.First()), "/photo.jpg");

        await using var services = BenchHost.CreateServices(azurite, counter);
        var storage = services.GetRequiredService<StorageClients>();
        await storage.EnsureCreatedAsync();
        var stager = services.GetRequiredService<MediaStager>();
        var container = storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);
        var reference = new MediaReference("imageUrl", url, null, null);

        using var http = new HttpClient();
        var floor = new MediaFloor(container, http);

        Task StageAsync() => stager.StageAsync(reference, MessageType.Image, MessageId.New("bench", DateTimeOffset.UtcNow), CancellationToken.None);
        Task UploadAsync() => container.GetBlobClient("raw-" + Guid.NewGuid().ToString("N")).UploadAsync(BinaryData.FromBytes(file));
        Func<Task> one = spec.Side switch
        {
            Staged => StageAsync,
            Floor => () => floor.StageAsync(url),
            _ => UploadAsync,
        };

        await Measure.LoadAsync(spec.Warmup, spec.Concurrency, _ => one()); // as many as measured, so pools and tiers settle
        await Measure.JitSettledAsync();
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            await Measure.LoadAsync(spec.Count, spec.Concurrency, _ => one());
            return null;
        });
        await server.StopAsync();
        return result;
    }

    /// <summary>A server on 127.0.0.1 answering <c>GET /photo.jpg</c> with <paramref name="file"/> as <c>image/jpeg</c>.</summary>
    public static async Task<WebApplication> StartMediaServerAsync(byte[] file)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var server = builder.Build();
        server.MapGet("/photo.jpg", async (HttpContext context) =>
        {
            // In 64 KiB writes, as a remote server's socket sends it: one write of the whole file would sit in Kestrel's
            // buffers until sent, and count in this process's working set against staging.
            context.Response.ContentType = "image/jpeg";
            context.Response.ContentLength = file.Length;
            for (var offset = 0; offset < file.Length; offset += 65536)
                await context.Response.Body.WriteAsync(file.AsMemory(offset, Math.Min(65536, file.Length - offset)));
        });
        await server.StartAsync();
        return server;
    }
}
