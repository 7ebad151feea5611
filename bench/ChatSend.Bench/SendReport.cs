using System.Text;

namespace ChatSend.Bench;

internal static class SendReport
{
    private static readonly (string Side, string Name)[] Sides =
    [
        (SendRun.Floor, "floor: table insert + queue put"),
        (SendRun.FloorWithMarker, "floor: row + marker transaction + queue put"),
        (SendRun.ListenersOff, "POST /send, listeners off"),
        (SendRun.ListenersOn, "POST /send, listeners on"),
    ];

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
                    runs.Median(r => r.Latency!.P50), runs.Median(r => r.Latency!.P95), runs.Median(P99), Report.Ratio(runs.Median(P99) / floor.Median(P99)),
                    runs.Median(Report.WorkCallsPerItem), runs.Median(r => r.AllocatedBytes / 1e3 / r.Spec.Count), runs.Median(Report.PeakMB));
            }
        }
        text.AppendLine();
        text.AppendLine("With the listeners on, the calls per send include the delivery work done meanwhile (the provider answers at once).");
        text.AppendLine("The second floor writes the row and its work marker in one transaction, as POST /send does; on Azurite a");
        text.AppendLine("transaction costs more than a single insert, so the ratios against it (below) separate that from the rest.");
        text.AppendLine();
        return Targets(text, results, plan).ToString();
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
        foreach (var concurrency in plan.SendConcurrency)
        {
            var (runs, floor) = (Runs(results, SendRun.ListenersOff, concurrency), Runs(results, SendRun.FloorWithMarker, concurrency));
            var (rate, floorRate) = (runs.Median(Rate), floor.Median(Rate));
            text.AppendLine($"- for comparison, {concurrency} at once, listeners-off against the row + marker floor: {rate:0}/s = " +
                $"{Report.Ratio(rate / floorRate)} its {floorRate:0}/s; p99 {Report.Ratio(runs.Median(P99) / floor.Median(P99))}");
        }
        var calls = results.Where(r => r.Spec.Side == SendRun.ListenersOff).Median(Report.WorkCallsPerItem);
        return text.Target("send, storage calls per POST /send (listeners off)", calls, atLeast: false, 2, $"{calls:0.0#}");
    }

    private static double Rate(RunResult run) => run.PerSecond;

    private static double P99(RunResult run) => run.Latency!.P99;

    private static List<RunResult> Runs(IReadOnlyList<RunResult> results, string side, int concurrency) =>
        results.Where(r => r.Spec.Side == side && r.Spec.Concurrency == concurrency).ToList();
}
