using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend.Bench;

/// <summary>
/// One measurement, run in a process of its own on an Azurite of its own. <see cref="Concurrency"/> is requests or
/// files at once (send, media, inbound); <see cref="ProviderDelayMs"/> how long the drain's provider takes to answer;
/// <see cref="Batch"/> how many of the <see cref="Count"/> items one request carries (inbound: messages per callback);
/// <see cref="Chats"/> how many chats of one session the messages go to, round-robin (order).
/// For idle, <see cref="Count"/> is the sessions stored, <see cref="Files"/> the old staged files, <see cref="Warmup"/>
/// the seconds before the <see cref="Minutes"/> counted. For capacity, <see cref="Rate"/> is the sends posted per second.
/// </summary>
public sealed record RunSpec(string Part, string Side, int Count, int Warmup, int Concurrency = 1, int ProviderDelayMs = 0, int Batch = 1,
    int Chats = 1, int Files = 0, int Minutes = 0, int Rate = 0)
{
    [JsonIgnore]
    public string Config => Part switch
    {
        "drain" => $"{ProviderDelayMs} ms",
        "order" => $"{Chats} chats, {ProviderDelayMs} ms",
        "idle" => $"{Count} sessions, {Files} files",
        "capacity" => $"{Chats} chats, {Rate}/s",
        _ => $"{Concurrency}",
    };

    public override string ToString() => $"{Part} {Side} ({Config}, {Count})";
}

public sealed record Latency(double P50, double P95, double P99)
{
    public static Latency Of(double[] milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Latency(At(0.50), At(0.95), At(0.99));
    }
}

/// <summary>
/// What the runtime did in the process over a measured stretch: collections by generation, the time the program was paused
/// for them, contended lock takes, and the thread pool at its busiest (work items queued, threads), sampled every 10 ms.
/// </summary>
public sealed record RuntimeStats(int Gen0, int Gen1, int Gen2, double PauseMs, long LockContentions, long MaxQueued, int MaxThreads,
    double CpuMs = double.NaN, double StorageCpuMs = double.NaN, double JitMs = double.NaN, long JitMethods = 0)
{
    /// <summary>
    /// Runs <paramref name="body"/>, watching the runtime, and the processor time this process and the emulator used: on a
    /// busy machine that varies less than the wall time does.
    /// </summary>
    public static async Task<(T Result, RuntimeStats Stats)> WatchAsync<T>(Func<Task<T>> body, Azurite azurite)
    {
        var (cpu, storageCpu) = (Environment.CpuUsage.TotalTime, azurite.ProcessorTime);
        var (jit, jitted) = (System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var (pause, locks) = (GC.GetTotalPauseDuration(), Monitor.LockContentionCount);
        using var stop = new CancellationTokenSource();
        var (maxQueued, maxThreads) = (0L, 0);
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            while (await timer.WaitForNextTickAsync(stop.Token))
                (maxQueued, maxThreads) = (Math.Max(maxQueued, ThreadPool.PendingWorkItemCount), Math.Max(maxThreads, ThreadPool.ThreadCount));
        }, stop.Token);
        var result = await body();
        await stop.CancelAsync();
        await sampler.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return (result, new RuntimeStats(GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2,
            (GC.GetTotalPauseDuration() - pause).TotalMilliseconds, Monitor.LockContentionCount - locks, maxQueued, maxThreads,
            (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds, (azurite.ProcessorTime - storageCpu).TotalMilliseconds,
            (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalMilliseconds, System.Runtime.JitInfo.GetCompiledMethodCount() - jitted));
    }
}

/// <summary>
/// What one measurement saw: its wall time, per-item latency where it applies, storage calls by kind, memory, what the
/// runtime did meanwhile, and what a part counts beside (<see cref="Counts"/>: idle's requests in the emulator's log, its
/// warm-up's calls).
/// </summary>
public sealed record RunResult(RunSpec Spec, double Seconds, Latency? Latency, Dictionary<string, long> Calls, long PeakWorkingSet,
    long AllocatedBytes, Dictionary<string, long>? Counts = null, RuntimeStats? Runtime = null)
{
    private const string Marker = "RESULT ";

    [JsonIgnore]
    public double PerSecond => Spec.Count / Seconds;

    public double CallsPerItem(Func<CallKind, bool> which) =>
        Calls.Where(c => which(Enum.Parse<CallKind>(c.Key))).Sum(c => c.Value) / (double)Spec.Count;

    public string ToLine() => Marker + JsonSerializer.Serialize(this);

    public static RunResult? FromLine(string line) =>
        line.StartsWith(Marker, StringComparison.Ordinal) ? JsonSerializer.Deserialize<RunResult>(line[Marker.Length..]) : null;
}

/// <summary>Runs a measured stretch: counts calls and allocations from its start, and the process's peak working set.</summary>
public static class Measure
{
    public static async Task<RunResult> RunAsync(RunSpec spec, StorageCallCounter counter, Func<Task<Latency?>> body)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        counter.Reset();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        SpanTimes.Begin();
        var clock = Stopwatch.StartNew();
        var (latency, runtime) = await RuntimeStats.WatchAsync(body, counter.Azurite);
        var seconds = clock.Elapsed.TotalSeconds;
        SpanTimes.Stop();
        var calls = counter.Snapshot();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        using var self = Process.GetCurrentProcess();
        return new RunResult(spec, seconds, latency, calls, self.PeakWorkingSet64, allocated, Runtime: runtime);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (request number i, of <see cref="RunSpec.Batch"/> items) for the warm-up, then
    /// measures it for <see cref="RunSpec.Count"/> items, <see cref="RunSpec.Concurrency"/> at once; the latency is per request.
    /// </summary>
    public static async Task<RunResult> WarmThenLoadAsync(RunSpec spec, StorageCallCounter counter, Func<int, Task> operation)
    {
        var (warmup, count) = (spec.Warmup / spec.Batch, spec.Count / spec.Batch);
        await LoadAsync(warmup, spec.Concurrency, operation);
        await JitSettledAsync();
        return await RunAsync(spec, counter, async () => Latency.Of(await LoadAsync(count, spec.Concurrency, i => operation(warmup + i))));
    }

    /// <summary>
    /// Waits, after a warm-up, until the JIT has compiled nothing for a second (at most 30 s): the methods the warm-up made
    /// hot are recompiled optimised on a background thread, which on two cores would otherwise take CPU from the
    /// measured stretch, the more so the more code a side runs.
    /// </summary>
    public static async Task JitSettledAsync()
    {
        var deadline = Stopwatch.StartNew();
        for (var (compiled, quiet) = (System.Runtime.JitInfo.GetCompiledMethodCount(), Stopwatch.StartNew());
             quiet.Elapsed < TimeSpan.FromSeconds(1) && deadline.Elapsed < TimeSpan.FromSeconds(30);)
        {
            await Task.Delay(100);
            if (System.Runtime.JitInfo.GetCompiledMethodCount() is var now && now != compiled)
                (compiled, quiet) = (now, Stopwatch.StartNew());
        }
    }

    /// <summary>Runs <paramref name="operation"/> <paramref name="count"/> times, <paramref name="concurrency"/> at once; each one's milliseconds.</summary>
    public static async Task<double[]> LoadAsync(int count, int concurrency, Func<int, Task> operation)
    {
        var milliseconds = new double[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < count;)
            {
                var start = Stopwatch.GetTimestamp();
                await operation(i);
                milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        return milliseconds;
    }
}
