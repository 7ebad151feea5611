using System.Text;

namespace ChatSend.Bench;

/// <summary>
/// The capacity part's tables: where each side's storage calls land, per send (the mix's customers' messages ride along
/// in it), and what Azure Storage's published targets make of them (<see cref="CapacityModel"/>).
/// </summary>
internal static class CapacityReport
{
    public static string Write(IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine($"#### capacity: {plan.CapacitySends} sends over {plan.CapacityChats} chats at {plan.CapacityRate}/s, {CapacityRun.MediaPercent} % " +
                        $"with a {CapacityRun.ImageBytes / 1024} KiB image, and a customer's message after every tenth, to `read`");
        var runs = CapacityRun.Sides.Select(side => (Side: side, Run: results.SingleOrDefault(r => r.Spec.Side == side && r.Counts is not null))).ToList();
        foreach (var (side, run) in runs)
        {
            text.AppendLine();
            text.AppendLine($"##### {Describe(side)}");
            text.AppendLine();
            if (run is null)
                text.AppendLine("Not measured (the run failed).");
            else
                Detail(text, run);
        }
        return Summary(text, [.. runs.Where(r => r.Run is not null).Select(r => (r.Side, CapacityModel.Of(r.Run!)))]).ToString();
    }

    private static string Describe(string side) => side switch
    {
        CapacityRun.Plain => "no webhook",
        CapacityRun.Followed => "a webhook endpoint following every event of the session",
        _ => $"a webhook following, the session paced at {CapacityRun.PacedPerMinute:N0} a minute (the Cloud API's default)",
    };

    private static void Detail(StringBuilder text, RunResult run)
    {
        var counts = run.Counts!;
        var sends = (double)run.Spec.Count;
        double Count(string key) => counts.GetValueOrDefault(key);
        text.AppendLine($"{sends:0} sends ({Count(CapacityRun.MediaSends)} with the image), {Count(CapacityRun.Inbound)} customers' messages, " +
                        $"{Count(CapacityRun.Events)} events at the webhook; {run.Seconds:0} s from the host's start to its stop. Per send:");
        text.AppendLine();
        text.Header("table", "partition", "requests", "refused transactions", "entities written", "entities read", "partitions",
            "busiest partition's entities", "sends/s at 2,000 entities/s a partition");
        var order = CapacityModel.PartitionKeys.Keys.ToList();
        foreach (var table in CapacityModel.TableNames(counts).OrderBy(t => order.IndexOf(t) is var i and >= 0 ? i : int.MaxValue))
        {
            double Of(string what) => Count(CallLedger.TableKey(table, what));
            text.Row($"`{table}`", CapacityModel.PartitionKeys.GetValueOrDefault(table, "?"), Of("requests") / sends, Of("refused") / sends,
                Of("written") / sends, Of("read") / sends, (long)Of("partitions"), Of("busiest") / sends,
                table == "sandbox" || Of("busiest") == 0 ? "–" : $"{CapacityModel.PartitionEntities * sends / Of("busiest"):N0}");
        }
        text.AppendLine();
        text.Header("queue", "puts", "messages received", "deletes", "updates", "messages", "receives", "requests", "idle polls (in all)",
            "sends/s at 2,000 messages/s a queue");
        foreach (var group in CapacityModel.QueueNames(counts).GroupBy(CapacityModel.BaseName))
        {
            foreach (var queue in group)
                QueueRow(text, counts, sends, $"`{queue}`", [queue]);
            if (group.Count() > 1)
                QueueRow(text, counts, sends, $"`{group.Key}`, {group.Count()} queues", [.. group]);
        }
        text.AppendLine();
        Account(text, counts, sends, CapacityModel.Of(run));
    }

    private static void QueueRow(StringBuilder text, Dictionary<string, long> counts, double sends, string label, string[] queues)
    {
        double Sum(string operation) => queues.Sum(q => counts.GetValueOrDefault(CallLedger.QueueKey(q, operation)));
        var messages = CapacityModel.QueueMessageOperations.Sum(Sum) / sends;
        text.Row(label, Sum("put") / sends, Sum("received") / sends, Sum("delete") / sends, Sum("update") / sends, messages, Sum("receive") / sends,
            (Sum("put") + Sum("receive") + Sum("delete") + Sum("update") + Sum("other")) / sends, (long)Sum("empty"),
            messages > 0 ? $"{CapacityModel.QueueMessages * queues.Length / messages:N0}" : "–");
    }

    // Every request the app's pipeline saw, and the emulator's log against it.
    private static void Account(StringBuilder text, Dictionary<string, long> counts, double sends, CapacityModel model)
    {
        double Count(string key) => counts.GetValueOrDefault(key);
        double Sum(string prefix, string suffix) =>
            counts.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal) && c.Key.EndsWith(suffix, StringComparison.Ordinal)).Sum(c => c.Value);
        var (tables, sandbox, blobs) = (Sum("table ", " requests"), Count(CallLedger.TableKey("sandbox", "requests")), Sum("blob ", ""));
        var polls = Sum("queue ", " empty");
        var queues = Sum("queue ", "") - Sum("queue ", " received") - polls;
        var (all, downloads, unanswered) = (Count(CallLedger.Requests), Count(CapacityRun.ProviderDownloads), Count(CallLedger.Unanswered));
        var logged = Count(CapacityRun.EmulatorRequests) - downloads - Count(CapacityRun.BenchRequests);
        text.Header("requests per send", "tables", "queues", "blobs", "the provider's downloads of files", "ChatSend's in all",
            "idle polls", "the sandbox's own record");
        text.Row("", (tables - sandbox) / sends, queues / sends, blobs / sends, downloads / sends, model.Requests, polls / sends, sandbox / sends);
        text.AppendLine();
        text.AppendLine($"The app's pipeline saw {all:0} requests ({unanswered:0} of them got no answer: canceled as the host stopped, or timed out); " +
                        $"the emulator's log {logged:0}, less the provider's {downloads:0} downloads of files through their links (SAS) and the " +
                        $"benchmark's {Count(CapacityRun.BenchRequests):0} looks at the queues and messages" +
                        (logged == all ? ": the same." : $": {logged - all:+0;-0} against it, within those that got no answer (a request the " +
                                                             "client gave up on may or may not have reached the emulator).") +
                        (Count(CallLedger.Unread) > 0 ? $" {Count(CallLedger.Unread):0} requests could not be placed (counted in all only)." : ""));
    }

    // Each side's ceilings side by side: what each partition and queue carries per send, and the sends a second it allows.
    private static StringBuilder Summary(StringBuilder text, (string Side, CapacityModel Model)[] models)
    {
        if (models.Length == 0)
            return text;
        text.AppendLine();
        text.AppendLine("##### What Azure Storage's targets make of it: per send, and sends a second (→)");
        text.AppendLine();
        text.Header(["", .. models.Select(m => Describe(m.Side))]);
        void Row(string label, Func<CapacityModel, object> cell) => text.Row([label, .. models.Select(m => cell(m.Model))]);
        Row("ChatSend's requests, as counted (idle polls aside)", m => m.Requests);
        Row($"the same at load (each receive bringing {CapacityModel.Batch}) → one account at 20,000 requests/s",
            m => $"{m.RequestsAtLoad:0.#} → {m.PerAccount:N0}");
        foreach (var (table, _) in CapacityModel.PartitionTables)
            Row($"`{table}`, its busiest partition ({CapacityModel.PartitionKeys[table]}): entities → at 2,000/s",
                m => Cell(m.Partitions.Single(p => p.Name == table)));
        foreach (var queue in models.SelectMany(m => m.Model.Queues.Select(q => q.Name)).Distinct())
            Row($"`{queue}`: messages → at 2,000/s a queue", m => m.Queues.SingleOrDefault(q => q.Name == queue) is { } load ? Cell(load) : "–");
        Row("**one session**", m => $"**{m.Session.Sends:N0}**, its `{m.Session.Name}`");
        Row("**one deployment** (one account, sessions enough)", m => $"**{m.PerDeployment:N0}**, {m.DeploymentBound}");
        Row($"{CapacityModel.Goal:N0} sends/s: shards of each queue past 2,000 messages/s",
            m => string.Join(", ", m.Queues.Where(q => q.ForGoal > 1).OrderByDescending(q => q.ForGoal).Select(q => $"`{q.Name}` {q.ForGoal}")));
        Row($"{CapacityModel.Goal:N0} sends/s: accounts at 20,000 requests/s", m => (long)m.AccountsForGoal);
        Row($"{CapacityModel.Goal:N0} sends/s in one session: partitions of its `messages` rows",
            m => (long)m.Partitions.Single(p => p.Name == "messages").ForGoal);
        return text;
    }

    private static string Cell(Load load) => load.PerSend == 0 ? "–" : $"{load.PerSend.ToString(load.PerSend < 1 ? "0.0#" : "0.#")} → {load.Sends:N0}";
}
