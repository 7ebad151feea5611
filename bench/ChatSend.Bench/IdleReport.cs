using System.Text;

namespace ChatSend.Bench;

internal static class IdleReport
{
    public const double Target = 10;

    public static string Write(IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine($"#### idle: the local host left alone, storage calls per minute over {plan.IdleMinutes} minutes after {plan.IdleWarmupSeconds} s");
        text.AppendLine();
        text.Header("sessions", "old staged files", "calls per idle minute", "table", "queue polls", "blob", "other",
            "emulator's log per minute", $"first {plan.IdleWarmupSeconds} s: calls (table queries)");
        foreach (var run in results.OrderBy(r => r.Spec.Files).ThenBy(r => r.Spec.Count))
            text.Row(run.Spec.Count, run.Spec.Files, PerMinute(run, _ => true),
                PerMinute(run, k => k is CallKind.TableRead or CallKind.TableQuery or CallKind.TableWrite or CallKind.TableTransaction),
                PerMinute(run, k => k is CallKind.QueueEmptyReceive or CallKind.QueueReceive),
                PerMinute(run, k => k == CallKind.Blob),
                PerMinute(run, k => k is not (CallKind.TableRead or CallKind.TableQuery or CallKind.TableWrite or CallKind.TableTransaction
                    or CallKind.QueueEmptyReceive or CallKind.QueueReceive or CallKind.Blob)),
                (run.Counts?.GetValueOrDefault(IdleRun.EmulatorRequests) ?? double.NaN) / Minutes(run),
                $"{run.Counts?.GetValueOrDefault(IdleRun.WarmupCalls)} ({run.Counts?.GetValueOrDefault(IdleRun.WarmupQueries)})");
        text.AppendLine();
        text.AppendLine("The first seconds hold the listeners backing off from 100 ms to their longest wait, the sweeper's first full pass " +
                        "(one query per session and one to list them; then once an hour) and the staged files' one check (a listing and a " +
                        "query per prefix). The emulator's log counts every request it answered, whoever made it.");
        text.AppendLine();
        var worst = results.Count == 0 ? double.NaN : results.Max(r => PerMinute(r, _ => true));
        return text.Target("idle, storage calls per minute of one local host, in every case", worst, atLeast: false, Target,
            $"at most {worst:0.#}").ToString();
    }

    private static double Minutes(RunResult run) => run.Seconds / 60;

    private static double PerMinute(RunResult run, Func<CallKind, bool> which) =>
        run.Calls.Where(c => which(Enum.Parse<CallKind>(c.Key))).Sum(c => c.Value) / Minutes(run);
}
