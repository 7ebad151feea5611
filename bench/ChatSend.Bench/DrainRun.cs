using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Bench;

/// <summary>
/// Accepted messages drained by the local host's queue listeners to <c>sent</c> through a provider answering after
/// <see cref="RunSpec.ProviderDelayMs"/>, against <see cref="DrainFloor"/> (as the least work, and with the product's writes); and, to count calls, all the way to
/// <c>read</c> through the sandbox with its receipts at once. The first <see cref="RunSpec.Warmup"/> messages warm up;
/// the rest are timed until their jobs are deleted, which <see cref="StorageCallCounter"/> sees without a table poll.
/// </summary>
internal static class DrainRun
{
    public const string Floor = "floor";
    public const string FloorWrites = "floor-writes";
    public const string Product = "product";
    public const string ToRead = "to-read";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    public static Task<RunResult> RunAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter) => spec.Side switch
    {
        Floor or FloorWrites => FloorAsync(spec, azurite, counter),
        ToRead => ToReadAsync(spec, azurite, counter),
        _ => ProductAsync(spec, azurite, counter),
    };

    private static async Task<RunResult> ProductAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var app = BenchHost.CreateHost(azurite, counter, listeners: true, spec.ProviderDelayMs);
        var session = await BenchHost.CreateSessionAsync(app.Services, FakeProvider.ProviderName);
        await BenchHost.AcceptAsync(app.Services, session, spec.Warmup + spec.Count);
        await app.StartAsync();
        await counter.WaitForDeletesAsync(StorageNames.DeliveriesQueue, spec.Warmup, Timeout);
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            await counter.WaitForDeletesAsync(StorageNames.DeliveriesQueue, spec.Warmup + spec.Count, Timeout);
            return null;
        });
        await app.StopAsync();
        await BenchHost.CheckAllAsync(app.Services, session, spec.Warmup + spec.Count, MessageStatus.Sent);
        return result;
    }

    private static async Task<RunResult> FloorAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var services = BenchHost.CreateServices(azurite, counter);
        var session = await BenchHost.CreateSessionAsync(services, FakeProvider.ProviderName);
        await BenchHost.AcceptAsync(services, session, spec.Warmup + spec.Count);
        var floor = new DrainFloor(services.GetRequiredService<StorageClients>(), TimeSpan.FromMilliseconds(spec.ProviderDelayMs),
            productWrites: spec.Side == FloorWrites);
        await floor.DrainAsync(spec.Warmup).WaitAsync(Timeout);
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            await floor.DrainAsync(spec.Count).WaitAsync(Timeout);
            return null;
        });
        await BenchHost.CheckAllAsync(services, session, spec.Warmup + spec.Count, MessageStatus.Sent);
        return result;
    }

    // Counts calls, not time: every message from the host's start, so nothing of the warm-up's work spills into it.
    private static async Task<RunResult> ToReadAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var app = BenchHost.CreateHost(azurite, counter, listeners: true);
        var session = await BenchHost.CreateSessionAsync(app.Services, SandboxProvider.ProviderName,
            new() { ["deliveredAfterSeconds"] = "0", ["readAfterSeconds"] = "0" });
        await BenchHost.AcceptAsync(app.Services, session, spec.Count);
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            await app.StartAsync();
            await counter.WaitForDeletesAsync(StorageNames.DeliveriesQueue, spec.Count, Timeout);
            await counter.WaitForDeletesAsync(StorageNames.ReceiptsQueue, 2 * spec.Count, Timeout); // delivered, then read
            return null;
        });
        await app.StopAsync();
        await BenchHost.CheckAllAsync(app.Services, session, spec.Count, MessageStatus.Read);
        return result;
    }
}
