using System.Text;

namespace ChatSend.Bench;

internal static class OrderReport
{
    public static string Write(IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine($"#### order: {plan.Ordered} messages over {plan.OrderChats} chats drained to `sent` by the local host's listeners " +
                        $"(provider answering at once), the order kept and `\"ordered\": false` on every send, timed after the first {plan.OrderWarmup}");
        text.AppendLine();
        text.Header("run", "messages/s (range)", "× unordered", "drained in s", "storage calls per message", "peak working set MB");
        var unordered = Runs(results, OrderRun.Unordered, plan.OrderChats, 0);
        var ordered = Runs(results, OrderRun.Ordered, plan.OrderChats, 0);
        foreach (var (runs, name) in new[] { (unordered, "`\"ordered\": false` on every send"), (ordered, "the order kept (the default)") })
            text.Row(name, runs.WithRange(r => r.PerSecond), Report.Ratio(runs.Median(r => r.PerSecond) / unordered.Median(r => r.PerSecond)),
                runs.Median(r => r.Seconds), runs.Median(Report.WorkCallsPerItem), runs.Median(Report.PeakMB));
        text.AppendLine();
        var (rate, unorderedRate) = (ordered.Median(r => r.PerSecond), unordered.Median(r => r.PerSecond));
        text.Target($"order kept over {plan.OrderChats} chats", rate / unorderedRate, atLeast: true, 0.9,
            $"{rate:0}/s = {Report.Ratio(rate / unorderedRate)} unordered's {unorderedRate:0}/s", "×");
        text.AppendLine();

        text.AppendLine($"#### order, one chat: {plan.OneChat} messages to one chat drained to `sent`, the order kept, timed after the first {plan.OneChatWarmup}");
        text.AppendLine();
        text.Header("provider answers in", "messages/s (range)", "1/latency per s", "ChatSend's ms per message (1/rate − latency)");
        foreach (var delay in plan.OneChatDelaysMs)
        {
            var runs = Runs(results, OrderRun.Ordered, 1, delay);
            var perSecond = runs.Median(r => r.PerSecond);
            text.Row(delay == 0 ? "at once" : $"{delay} ms", runs.WithRange(r => r.PerSecond), delay == 0 ? double.NaN : 1000.0 / delay,
                1000 / perSecond - delay);
        }
        text.AppendLine();
        text.AppendLine("One message of a chat is at the provider at a time, so one chat's rate stays under 1/latency; the last column is what");
        text.AppendLine("ChatSend adds between one message's answer and the next one's send (the `sent` write, handing over, the next claim).");
        return text.ToString();
    }

    private static List<RunResult> Runs(IReadOnlyList<RunResult> results, string side, int chats, int delay) =>
        results.Where(r => r.Spec.Side == side && r.Spec.Chats == chats && r.Spec.ProviderDelayMs == delay).ToList();
}
