using System.Text;

namespace ChatSend.Bench;

internal static class SendReport
{
    private static readonly (string Side, string Name)[] Sides =
    [
        (SendRun.Floor, "floor: table insert + queue put"),
        (SendRun.FloorWithMarker, "floor: row + marker transaction + queue put"),
        (SendRun.FloorWithEntry, "floor: row + marker + chat entry transaction + queue put"),
        (SendRun.ListenersOff, "POST /send, listeners off, one chat"),
        (SendRun.ListenersOffChats, $"POST /send, listeners off, {SendRun.Chats} chats"),
        (SendRun.ListenersOffUnordered, "POST /send, listeners off, \"ordered\": false"),
        (SendRun.ListenersOn, "POST /send, listeners on, one chat"),
    ];

    // The three ways POST /send is measured against the row + marker floor, which writes what an unordered send writes.
    private static readonly string[] AgainstMarkerFloor = [SendRun.ListenersOff, SendRun.ListenersOffChats, SendRun.ListenersOffUnordered];

    public static string Write(IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine($"#### send: POST /send (text, no Idempotency-Key) over HTTP, {plan.Sends} per run after {plan.SendWarmup} to warm up");
        text.AppendLine();
        text.Header("at once", "run", "sends/s (range)", "× floor", "p50 ms", "p95 ms", "p99 ms", "p99 × floor", "storage calls per send",
            "KB allocated per send", "peak working set MB");
        foreach (var concurrency in plan.SendConcurrency)
        {
            var floor = Runs(results, SendRun.Floor, concurrency);
            foreach (var (side, name) in Sides)
            {
                var runs = Runs(results, side, concurrency);
                text.Row(concurrency, name, runs.WithRange(r => r.PerSecond), Report.Ratio(runs.Median(Rate) / floor.Median(Rate)),
                    runs.Median(r => r.Latency!.P50), runs.Median(r => r.Latency!.P95), runs.WithRange(P99), Report.Ratio(runs.Median(P99) / floor.Median(P99)),
                    runs.Median(Report.WorkCallsPerItem), runs.Median(r => r.AllocatedBytes / 1e3 / r.Spec.Count), runs.Median(Report.PeakMB));
            }
        }
        text.AppendLine();
        text.AppendLine("With the listeners on, the calls per send include the delivery work done meanwhile (the provider answers at once).");
        text.AppendLine("The second floor writes the row and its work marker in one transaction, as POST /send does; on Azurite a");
        text.AppendLine("transaction costs more than a single insert, so the ratios against it (below) separate that from the rest. The third");
        text.AppendLine("floor adds the chat's index row, as an unordered send writes: Azurite's cost per write grows with the rows in the");
        text.AppendLine("partition, so a floor that leaves fewer rows per send runs faster there than storage would make it.");
        text.AppendLine($"A send keeps its chat's order unless it says `\"ordered\": false`: sends to one chat take their numbers one at a time");
        text.AppendLine($"(and only the chat's first gets a job while the listeners are off); the {SendRun.Chats}-chat runs send round-robin over that many");
        text.AppendLine("chats, so the sends in flight at once go to different chats.");
        text.AppendLine();
        Runtime(text, results, plan);
        return Targets(text, results, plan).ToString();
    }

    private static void Runtime(StringBuilder text, IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        text.AppendLine("What the runtime did over each measured stretch (medians): collections by generation, the time paused for them,");
        text.AppendLine("contended lock takes, the thread pool at its busiest (queued work items and threads, sampled every 10 ms), the JIT's");
        text.AppendLine("time, and the processor time per send of the benchmark's process (client, host or floor) and of Azurite.");
        text.AppendLine();
        text.Header("at once", "run", "gen0/gen1/gen2 collections", "GC pause ms", "lock contentions", "most work items queued", "most threads",
            "JIT ms", "CPU ms per send", "Azurite CPU ms per send");
        foreach (var concurrency in plan.SendConcurrency)
            foreach (var (side, name) in Sides)
            {
                var runs = Runs(results, side, concurrency).Where(r => r.Runtime is not null).ToList();
                if (runs.Count == 0)
                    continue;
                text.Row(concurrency, name, $"{runs.Median(r => r.Runtime!.Gen0)}/{runs.Median(r => r.Runtime!.Gen1)}/{runs.Median(r => r.Runtime!.Gen2)}",
                    runs.Median(r => r.Runtime!.PauseMs), runs.Median(r => r.Runtime!.LockContentions), runs.Median(r => r.Runtime!.MaxQueued),
                    runs.Median(r => r.Runtime!.MaxThreads), runs.Median(r => r.Runtime!.JitMs), runs.Median(r => r.Runtime!.CpuMs / r.Spec.Count),
                    runs.Median(r => r.Runtime!.StorageCpuMs / r.Spec.Count));
            }
        text.AppendLine();
    }

    private static StringBuilder Targets(StringBuilder text, IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        foreach (var (side, limit) in new[] { (SendRun.ListenersOff, 0.85), (SendRun.ListenersOn, 0.8) })
            foreach (var concurrency in plan.SendConcurrency)
            {
                var (runs, floor) = (Runs(results, side, concurrency), Runs(results, SendRun.Floor, concurrency));
                var (rate, floorRate, p99, floorP99) = (runs.Median(Rate), floor.Median(Rate), runs.Median(P99), floor.Median(P99));
                var what = $"send, {concurrency} at once, {side}";
                text.Target($"{what}, throughput", rate / floorRate, atLeast: true, limit,
                    $"{rate:0}/s = {Report.Ratio(rate / floorRate)} the floor's {floorRate:0}/s", "×");
                text.Target($"{what}, p99", p99 / floorP99, atLeast: false, 1.3,
                    $"{p99:0.0} ms = {Report.Ratio(p99 / floorP99)} the floor's {floorP99:0.0} ms", "×");
            }
        foreach (var side in AgainstMarkerFloor)
            foreach (var concurrency in plan.SendConcurrency)
            {
                var (runs, floor) = (Runs(results, side, concurrency), Runs(results, SendRun.FloorWithMarker, concurrency));
                var (rate, floorRate, p99, floorP99) = (runs.Median(Rate), floor.Median(Rate), runs.Median(P99), floor.Median(P99));
                text.Target($"send, {concurrency} at once, {side} against the row + marker floor, p99", p99 / floorP99, atLeast: false, 1.3,
                    $"{p99:0.0} ms = {Report.Ratio(p99 / floorP99)} its {floorP99:0.0} ms (floor's runs {floor.Min(P99):0}–{floor.Max(P99):0} ms); " +
                    $"{rate:0}/s = {Report.Ratio(rate / floorRate)} its {floorRate:0}/s", "×");
            }
        foreach (var concurrency in plan.SendConcurrency)
        {
            var (runs, floor) = (Runs(results, SendRun.ListenersOffUnordered, concurrency), Runs(results, SendRun.FloorWithEntry, concurrency));
            var (rate, floorRate, p99, floorP99) = (runs.Median(Rate), floor.Median(Rate), runs.Median(P99), floor.Median(P99));
            text.Target($"send, {concurrency} at once, {SendRun.ListenersOffUnordered} against the floor writing the same rows, p99", p99 / floorP99,
                atLeast: false, 1.3, $"{p99:0.0} ms = {Report.Ratio(p99 / floorP99)} its {floorP99:0.0} ms (floor's runs {floor.Min(P99):0}–{floor.Max(P99):0} ms); " +
                $"{rate:0}/s = {Report.Ratio(rate / floorRate)} its {floorRate:0}/s", "×");
        }
        var calls = results.Where(r => r.Spec.Side == SendRun.ListenersOffUnordered).Median(Report.WorkCallsPerItem);
        return text.Target("send, storage calls per POST /send (listeners off, \"ordered\": false)", calls, atLeast: false, 2, $"{calls:0.0#}");
    }

    private static double Rate(RunResult run) => run.PerSecond;

    private static double P99(RunResult run) => run.Latency!.P99;

    private static List<RunResult> Runs(IReadOnlyList<RunResult> results, string side, int concurrency) =>
        results.Where(r => r.Spec.Side == side && r.Spec.Concurrency == concurrency).ToList();
}
