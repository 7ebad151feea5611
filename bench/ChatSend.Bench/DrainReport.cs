using System.Text;

namespace ChatSend.Bench;

internal static class DrainReport
{
    public static string Write(IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine($"#### drain: {plan.Drained} accepted messages drained to `sent` by the local host's queue listeners, timed after the first {plan.DrainWarmup}");
        text.AppendLine();
        text.Header("provider answers in", "run", "messages/s (range)", "× floor", "drained in s", "storage calls per message", "Azurite CPU ms per message", "peak working set MB");
        foreach (var delay in plan.ProviderDelaysMs)
        {
            var floor = Runs(results, DrainRun.Floor, delay);
            var answers = delay == 0 ? "at once" : $"{delay} ms";
            foreach (var (side, name) in Sides)
            {
                var runs = Runs(results, side, delay);
                text.Row(answers, name, runs.WithRange(r => r.PerSecond), Report.Ratio(runs.Median(r => r.PerSecond) / floor.Median(r => r.PerSecond)),
                    runs.Median(r => r.Seconds), runs.Median(Report.WorkCallsPerItem), runs.Median(Report.AzuriteCpuMsPerItem),
                    runs.Median(Report.PeakMB));
            }
        }
        text.AppendLine();
        foreach (var delay in plan.ProviderDelaysMs)
        {
            var rate = Runs(results, DrainRun.Product, delay).Median(r => r.PerSecond);
            foreach (var (floor, name) in new[] { (DrainRun.Floor, "the floor"), (DrainRun.FloorWrites, "the floor with the host's writes") })
            {
                var floorRate = Runs(results, floor, delay).Median(r => r.PerSecond);
                text.Target($"drain, provider answering in {delay} ms, against {name}", rate / floorRate, atLeast: true, 0.9,
                    $"{rate:0}/s = {Report.Ratio(rate / floorRate)} its {floorRate:0}/s", "×");
            }
        }
        return ToRead(text, results.SingleOrDefault(r => r.Spec.Side == DrainRun.ToRead)).ToString();
    }

    private static StringBuilder ToRead(StringBuilder text, RunResult? run)
    {
        text.AppendLine();
        if (run is null)
            return text.AppendLine("Calls to `read`: not measured (the run failed).");
        text.AppendLine($"Storage calls per message from the queued job to `read` ({run.Spec.Count} messages through the sandbox, its receipts at once, one run):");
        text.AppendLine();
        text.Header([.. Report.CallKinds.Select(k => k.Name), "total"]);
        text.Row([.. Report.CallKinds.Select(k => (object)run.CallsPerItem(c => c == k.Kind)), Report.WorkCallsPerItem(run)]);
        text.AppendLine();
        text.AppendLine($"Not counted: {run.Calls[nameof(CallKind.QueueEmptyReceive)]} idle polls (empty receives) in {run.Seconds:0.0} s, by the three listeners.");
        text.AppendLine();
        // As the issue counted them: ChatSend's own calls for the message, without the batched receives (up to 16 jobs
        // a call) and without the sandbox's record of the send, which stands in for the network's own bookkeeping.
        var total = Report.WorkCallsPerItem(run);
        var own = total - run.CallsPerItem(k => k is CallKind.QueueReceive or CallKind.SandboxRecord);
        return text.Target("drain to read, ChatSend's storage calls per message (receives and the sandbox's record aside)", own,
            atLeast: false, 9, $"{own:0.0#} of {total:0.0#} in all");
    }

    private static readonly (string Side, string Name)[] Sides =
    [
        (DrainRun.Floor, "floor: receive, read, ETag update, delete"),
        (DrainRun.FloorWrites, "floor with the host's writes: receive, claim, one transaction (sent, marker, provider id), delete"),
        (DrainRun.Product, "local host's listeners"),
    ];

    private static List<RunResult> Runs(IReadOnlyList<RunResult> results, string side, int delay) =>
        results.Where(r => r.Spec.Side == side && r.Spec.ProviderDelayMs == delay).ToList();
}
