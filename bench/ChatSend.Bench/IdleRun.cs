using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Bench;

/// <summary>
/// The local host left alone (no sends, no callbacks: only its queue listeners and its sweeper) over a store of
/// <see cref="RunSpec.Count"/> sessions and <see cref="RunSpec.Files"/> staged files whose messages were sent long ago.
/// The files count as old a minute after they are staged (<c>OrphanMediaAge</c> at its floor), as the issue's
/// measurement had them. After the warm-up (the listeners backing off, the sweeper's first pass over every session, the
/// staged files' check), the calls of the idle minutes that follow are counted in the app's storage pipeline, by kind,
/// and in the emulator's own request log, whoever made them.
/// </summary>
internal static class IdleRun
{
    public const string Product = "local host";

    private static readonly Dictionary<string, string?> Settings = new() { ["ChatSend:Sweeper:OrphanMediaAge"] = "00:01:00" };

    public static async Task<RunResult> RunAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using (var services = BenchHost.CreateServices(azurite, counter, Settings))
            await StoreAsync(services, spec.Count, spec.Files);
        await using var host = BenchHost.CreateHost(azurite, counter, listeners: true, settings: Settings);
        counter.Reset();
        azurite.ResetRequests();
        await host.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(spec.Warmup));
        var warmup = counter.Snapshot();
        var (warmupCalls, warmupQueries, warmupRequests) = (warmup.Values.Sum(), warmup[nameof(CallKind.TableQuery)], azurite.Requests);
        azurite.ResetRequests();
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            await Task.Delay(TimeSpan.FromMinutes(spec.Minutes));
            return null;
        });
        var requests = azurite.Requests;
        await host.StopAsync();
        return result with
        {
            Counts = new()
            {
                [EmulatorRequests] = requests, [WarmupCalls] = warmupCalls, [WarmupQueries] = warmupQueries, [WarmupRequests] = warmupRequests,
            },
        };
    }

    public const string EmulatorRequests = "EmulatorRequests";
    public const string WarmupCalls = "WarmupCalls";
    public const string WarmupQueries = "WarmupQueries";
    public const string WarmupRequests = "WarmupRequests";

    // Sessions as the session command writes them; each file staged as POST /send stages it, under a message recorded sent.
    private static async Task StoreAsync(IServiceProvider services, int sessionCount, int fileCount)
    {
        await services.GetRequiredService<StorageClients>().EnsureCreatedAsync();
        var sessions = Enumerable.Range(0, sessionCount)
            .Select(i => new Session($"idle-{i:0000}", "+442079460958", SandboxProvider.ProviderName, new Dictionary<string, string>(), Enabled: true)).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 16 };
        await Parallel.ForEachAsync(sessions, parallel, async (s, ct) => await services.GetRequiredService<SessionStore>().UpsertAsync(s, ct));

        var now = DateTimeOffset.UtcNow;
        var messages = Enumerable.Range(0, fileCount).Select(i =>
        {
            var message = BenchHost.NewMessage(sessions[i % sessions.Count], i);
            message.Advance(MessageStatus.Sent, now);
            return message;
        }).ToList();
        var table = services.GetRequiredService<StorageClients>().Table(StorageNames.MessagesTable);
        // A partition's transactions one after another: Azurite takes them one at a time anyway.
        await Parallel.ForEachAsync(messages.GroupBy(m => m.PartitionKey), parallel, async (partition, ct) =>
        {
            foreach (var batch in partition.Chunk(100))
                await table.SubmitTransactionAsync(batch.Select(m => new TableTransactionAction(TableTransactionActionType.UpsertReplace, m)), ct);
        });
        var stager = services.GetRequiredService<MediaStager>();
        await Parallel.ForEachAsync(messages, parallel, async (m, ct) =>
            await stager.StageAsync(new MediaFile(new MemoryStream("a staged file"u8.ToArray()), "documentUrl") { MimeType = "text/plain" },
                MessageType.Document, m.MessageId, MediaStager.BlobNameFor(m.MessageId), ct));
    }
}
