using System.Globalization;
using System.Text;

namespace ChatSend.Bench;

/// <summary>Medians over repetitions, and the lines the part reports print.</summary>
internal static class Report
{
    public const double MB = 1e6;

    /// <summary>The kinds of storage call the tables of calls per item show, in their order.</summary>
    public static readonly (CallKind Kind, string Name)[] CallKinds =
    [
        (CallKind.TableRead, "table reads"),
        (CallKind.TableQuery, "table queries"),
        (CallKind.TableWrite, "table writes"),
        (CallKind.TableTransaction, "table transactions"),
        (CallKind.QueuePut, "queue puts"),
        (CallKind.QueueReceive, "queue receives"),
        (CallKind.QueueDelete, "queue deletes"),
        (CallKind.QueueUpdate, "queue updates"),
        (CallKind.SandboxRecord, "the sandbox's own record"),
    ];

    public static double Median(this IEnumerable<RunResult> runs, Func<RunResult, double> value)
    {
        var sorted = runs.Select(value).Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The median and, over more than one run, the range: "351 (310–372)".</summary>
    public static string WithRange(this IReadOnlyCollection<RunResult> runs, Func<RunResult, double> value) =>
        runs.Count < 2 ? Cell(runs.Median(value)) : $"{Cell(runs.Median(value))} ({Cell(runs.Min(value))}–{Cell(runs.Max(value))})";

    /// <summary>Calls that do work: all but idle polls (empty receives) and setup (creating tables, queues).</summary>
    public static double WorkCallsPerItem(RunResult run) =>
        run.CallsPerItem(k => k is not (CallKind.QueueEmptyReceive or CallKind.Other));

    public static double PeakMB(RunResult run) => run.PeakWorkingSet / MB;

    /// <summary>The emulator's CPU time over the measured stretch, per item: on two cores, what bounds a run that saturates it.</summary>
    public static double AzuriteCpuMsPerItem(RunResult run) => run.Runtime is { } runtime ? runtime.StorageCpuMs / run.Spec.Count : double.NaN;

    public static StringBuilder Row(this StringBuilder text, params object[] cells) =>
        text.AppendLine("| " + string.Join(" | ", cells.Select(Cell)) + " |");

    public static StringBuilder Header(this StringBuilder text, params string[] columns) =>
        text.Row(columns).AppendLine("|" + string.Concat(columns.Select(_ => "---|")));

    /// <summary>One line per target: what was measured against its limit, and whether it holds.</summary>
    public static StringBuilder Target(this StringBuilder text, string what, double value, bool atLeast, double limit, string measured, string unit = "")
    {
        var verdict = double.IsNaN(value) ? "not measured" : (atLeast ? value >= limit : value <= limit) ? "holds" : "misses";
        var target = (atLeast ? "≥ " : "≤ ") + limit.ToString("0.##", CultureInfo.InvariantCulture) + unit;
        return text.AppendLine($"- {what}: {measured} (target {target}): **{verdict}**");
    }

    public static string Ratio(double value) => double.IsNaN(value) ? "–" : value.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    private static string Cell(object value) => value switch
    {
        double d when double.IsNaN(d) => "–",
        double d => d.ToString(Math.Abs(d) >= 100 ? "0" : "0.0#", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
