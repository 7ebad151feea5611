// Media staging benchmark: stages 16 MiB files from a local media server into Blob storage (Azurite), one and
// eight at a time, and compares with a raw upload of the same bytes in the same run. Run it with bench/run.sh.
using System.Diagnostics;
using System.Net;
using ChatSend;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Send;
using ChatSend.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

const int Size = 16 * 1024 * 1024;
const int Rounds = 3;
var connection = args.Length > 0 ? args[0] : throw new ArgumentException("usage: ChatSend.Bench <storage connection string>");

var file = new byte[Size];
new Random(42).NextBytes(file);
new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }.CopyTo(file, 0);

var server = WebApplication.CreateSlimBuilder();
server.Logging.ClearProviders();
server.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
var media = server.Build();
media.MapGet("/photo.jpg", () => Results.Bytes(file, "image/jpeg"));
await media.StartAsync();
var url = new Uri(new Uri(media.Urls.First()), "/photo.jpg");

var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ChatSendStorage"] = connection,
    ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
}).Build();
await using var services = new ServiceCollection().AddLogging().AddChatSend(configuration).BuildServiceProvider();
var storage = services.GetRequiredService<StorageClients>();
await storage.EnsureCreatedAsync();
var stager = services.GetRequiredService<MediaStager>();
var container = storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);
var reference = new MediaReference("imageUrl", url, null, null);

Task Stage() => stager.StageAsync(reference, MessageType.Image, MessageId.New("bench", DateTimeOffset.UtcNow), CancellationToken.None);
Task Raw() => container.GetBlobClient("raw-" + Guid.NewGuid().ToString("N")).UploadAsync(BinaryData.FromBytes(file));

await Stage(); // warm up connections and JIT
await Raw();

Console.WriteLine($"16 MiB files, median of {Rounds} rounds; Azurite and the media server on 127.0.0.1; {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| run | at once | MB/s | peak working set (MB) | peak managed heap (MB) | allocated per file (MB) |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var parallel in new[] { 1, 8 })
{
    foreach (var (name, run) in new[] { ("staged from URL", (Func<Task>)Stage), ("raw blob upload", Raw) })
    {
        var results = new List<(double MBps, long PeakRss, long PeakHeap, long Allocated)>();
        for (var round = 0; round < Rounds; round++)
            results.Add(await MeasureAsync(run, parallel));
        var median = results.OrderBy(r => r.MBps).ElementAt(Rounds / 2);
        Console.WriteLine($"| {name} | {parallel} | {median.MBps:0.0} | {median.PeakRss / 1e6:0} | {median.PeakHeap / 1e6:0} | {median.Allocated / 1e6 / parallel:0.0} |");
    }
}
Console.WriteLine();
Console.WriteLine("Working set includes the media server's 16 MiB file, which the raw runs upload from. Staging holds two");
Console.WriteLine("pooled 4 MiB blocks per file in flight; the pool keeps them between files, so the heap barely grows.");
await media.StopAsync();

static async Task<(double MBps, long PeakRss, long PeakHeap, long Allocated)> MeasureAsync(Func<Task> run, int parallel)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var baseline = GC.GetTotalMemory(forceFullCollection: false);
    long peak = 0, peakRss = 0;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            peak = Math.Max(peak, GC.GetTotalMemory(false) - baseline);
            peakRss = Math.Max(peakRss, Environment.WorkingSet);
            await Task.Delay(5);
        }
    });
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => run()));
    watch.Stop();
    sampling.Cancel();
    await sampler;
    return (parallel * (double)Size / 1e6 / watch.Elapsed.TotalSeconds, peakRss, peak, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
}
