using System.Text;

namespace ChatSend.Bench;

internal static class InboundReport
{
    // Each run against its floor: the same writes, with the outbox entry and the events put once a webhook follows.
    private static readonly (string Side, string Name, string Floor)[] Sides =
    [
        (InboundRun.Floor, "floor: transaction (3 rows)", InboundRun.Floor),
        (InboundRun.Alone, "callbacks, no webhook", InboundRun.Floor),
        (InboundRun.FloorWithEvents, "floor: transaction (4 rows) + events put", InboundRun.FloorWithEvents),
        (InboundRun.WithWebhook, "callbacks, a webhook following", InboundRun.FloorWithEvents),
    ];

    // The sandbox records nothing here.
    private static readonly (CallKind Kind, string Name)[] Kinds = [.. Report.CallKinds.Where(k => k.Kind != CallKind.SandboxRecord)];

    public static string Write(IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine($"#### inbound: signed Cloud API callbacks of {plan.CallbackBatch} text messages to POST /webhooks/whatsapp-cloud " +
                        $"(local host, listeners on), {plan.Received} messages per run after {plan.ReceivedWarmup} to warm up");
        text.AppendLine();
        text.Header("at once", "run", "messages/s (range)", "callbacks/s", "× floor", "callback p50 ms", "p95 ms", "p99 ms", "p99 × floor",
            "storage calls per message", "KB allocated per message", "peak working set MB");
        foreach (var concurrency in plan.InboundConcurrency)
        {
            foreach (var (side, name, floorSide) in Sides)
            {
                var (runs, floor) = (Runs(results, side, concurrency), Runs(results, floorSide, concurrency));
                text.Row(concurrency, name, runs.WithRange(Rate), runs.Median(r => Rate(r) / r.Spec.Batch), Report.Ratio(runs.Median(Rate) / floor.Median(Rate)),
                    runs.Median(r => r.Latency!.P50), runs.Median(r => r.Latency!.P95), runs.Median(P99), Report.Ratio(runs.Median(P99) / floor.Median(P99)),
                    runs.Median(Report.WorkCallsPerItem), runs.Median(r => r.AllocatedBytes / 1e3 / r.Spec.Count), runs.Median(Report.PeakMB));
            }
        }
        text.AppendLine();
        text.AppendLine("A callback is answered once its messages are recorded. With a webhook following, the calls per message include");
        text.AppendLine("the events dispatched and posted to it meanwhile, which its floor does not do.");
        text.AppendLine();
        foreach (var (side, name, floorSide) in Sides.Where(s => s.Side != s.Floor))
            foreach (var concurrency in plan.InboundConcurrency)
            {
                var (runs, floor) = (Runs(results, side, concurrency), Runs(results, floorSide, concurrency));
                var (rate, floorRate) = (runs.Median(Rate), floor.Median(Rate));
                text.AppendLine($"- inbound, {name}, {concurrency} at once: {rate:0} messages/s = {Report.Ratio(rate / floorRate)} its floor's " +
                                $"{floorRate:0}/s; callback p99 {runs.Median(P99):0.0} ms = {Report.Ratio(runs.Median(P99) / floor.Median(P99))} its floor's");
            }
        return ToWebhook(Calls(text, results), results).ToString();
    }

    private static StringBuilder Calls(StringBuilder text, IReadOnlyList<RunResult> results)
    {
        var runs = new[] { (InboundRun.CallsAlone, "none"), (InboundRun.CallsWithWebhook, "one, until each event is posted") }
            .Select(s => (Run: results.SingleOrDefault(r => r.Spec.Side == s.Item1), Name: s.Item2)).ToList();
        text.AppendLine();
        if (runs.FirstOrDefault(r => r.Run is not null).Run is not { } any)
            return text.AppendLine("Storage calls per message: not measured (the runs failed).");
        text.AppendLine($"Storage calls per customer's message ({any.Spec.Count} messages in callbacks of {any.Spec.Batch}, {any.Spec.Concurrency} at once, one run each):");
        text.AppendLine();
        text.Header(["webhooks following", .. Kinds.Select(k => k.Name), "total", "idle polls (not counted)"]);
        foreach (var (run, name) in runs)
            if (run is null)
                text.Row(name, "not measured (the run failed)");
            else
                text.Row([name, .. Kinds.Select(k => (object)run.CallsPerItem(c => c == k.Kind)), Report.WorkCallsPerItem(run),
                    $"{run.Calls[nameof(CallKind.QueueEmptyReceive)]} in {run.Seconds:0.0} s"]);
        return text;
    }

    private static StringBuilder ToWebhook(StringBuilder text, IReadOnlyList<RunResult> results)
    {
        var runs = results.Where(r => r.Spec.Side == InboundRun.ToWebhook).ToList();
        text.AppendLine();
        if (runs.Count == 0)
            return text.AppendLine("Callback to webhook: not measured (the runs failed).");
        var spec = runs[0].Spec;
        text.AppendLine($"Callback to webhook: from posting a callback of one message to the receiver getting its `chatsend.message.received` " +
                        $"event, one callback every {InboundRun.ToWebhookPaceMs} ms, {spec.Count} messages timed per run after {spec.Warmup}:");
        text.AppendLine();
        text.Header("runs", "p50 ms (range)", "p95 ms (range)", "p99 ms (range)");
        text.Row(runs.Count, runs.WithRange(r => r.Latency!.P50), runs.WithRange(r => r.Latency!.P95), runs.WithRange(P99));
        return text;
    }

    private static double Rate(RunResult run) => run.PerSecond;

    private static double P99(RunResult run) => run.Latency!.P99;

    private static List<RunResult> Runs(IReadOnlyList<RunResult> results, string side, int concurrency) =>
        results.Where(r => r.Spec.Side == side && r.Spec.Concurrency == concurrency).ToList();
}
