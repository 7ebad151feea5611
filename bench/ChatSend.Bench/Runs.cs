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
/// What one measurement saw: its wall time, per-item latency where it applies, storage calls by kind, memory, and what a
/// part counts beside (<see cref="Counts"/>: idle's requests in the emulator's log, its warm-up's calls).
/// </summary>
public sealed record RunResult(RunSpec Spec, double Seconds, Latency? Latency, Dictionary<string, long> Calls, long PeakWorkingSet,
    long AllocatedBytes, Dictionary<string, long>? Counts = null)
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
        var clock = Stopwatch.StartNew();
        var latency = await body();
        var seconds = clock.Elapsed.TotalSeconds;
        var calls = counter.Snapshot();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        using var self = Process.GetCurrentProcess();
        return new RunResult(spec, seconds, latency, calls, self.PeakWorkingSet64, allocated);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (request number i, of <see cref="RunSpec.Batch"/> items) for the warm-up, then
    /// measures it for <see cref="RunSpec.Count"/> items, <see cref="RunSpec.Concurrency"/> at once; the latency is per request.
    /// </summary>
    public static async Task<RunResult> WarmThenLoadAsync(RunSpec spec, StorageCallCounter counter, Func<int, Task> operation)
    {
        var (warmup, count) = (spec.Warmup / spec.Batch, spec.Count / spec.Batch);
        await LoadAsync(warmup, spec.Concurrency, operation);
        return await RunAsync(spec, counter, async () => Latency.Of(await LoadAsync(count, spec.Concurrency, i => operation(warmup + i))));
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
