using System.Text;

namespace ChatSend.Bench;

internal static class MediaReport
{
    public static string Write(IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine($"#### media: {plan.MediaFiles} files of 16 MiB per run, staged from a media server on 127.0.0.1 or uploaded raw");
        text.AppendLine();
        text.Header("at once", "run", "MB/s (range)", "× raw", "MB allocated per file", "peak working set MB", "blob calls per file");
        foreach (var concurrency in plan.MediaConcurrency)
        {
            var raw = Runs(results, MediaRun.Raw, concurrency);
            foreach (var (side, name) in new[] { (MediaRun.Raw, "raw blob upload"), (MediaRun.Staged, "MediaStager.StageAsync from URL") })
            {
                var runs = Runs(results, side, concurrency);
                text.Row(concurrency, name, runs.WithRange(MBps), Report.Ratio(runs.Median(MBps) / raw.Median(MBps)),
                    runs.Median(AllocatedMBPerFile), runs.Median(Report.PeakMB), runs.Median(r => r.CallsPerItem(k => k == CallKind.Blob)));
            }
        }
        text.AppendLine();
        text.AppendLine("The working set includes the media server's copy of the file, which the raw runs upload from.");
        text.AppendLine();
        foreach (var concurrency in plan.MediaConcurrency)
        {
            var (raw, staged) = (Runs(results, MediaRun.Raw, concurrency), Runs(results, MediaRun.Staged, concurrency));
            var (speed, rawSpeed) = (staged.Median(MBps), raw.Median(MBps));
            var (peak, rawPeak) = (staged.Median(Report.PeakMB), raw.Median(Report.PeakMB));
            var allocated = staged.Median(AllocatedMBPerFile);
            text.Target($"media, {concurrency} at once, speed", speed / rawSpeed, atLeast: true, 0.8,
                $"{speed:0.0} MB/s = {Report.Ratio(speed / rawSpeed)} raw's {rawSpeed:0.0} MB/s", "×");
            text.Target($"media, {concurrency} at once, allocated per file", allocated, atLeast: false, 1, $"{allocated:0.00} MB", " MB");
            text.Target($"media, {concurrency} at once, peak working set", peak - rawPeak, atLeast: false, 32,
                $"{peak:0} MB, raw's {rawPeak:0} MB + {peak - rawPeak:0}", " MB over raw's");
        }
        return text.ToString();
    }

    private static double MBps(RunResult run) => run.Spec.Count * (double)MediaRun.FileSize / Report.MB / run.Seconds;

    private static double AllocatedMBPerFile(RunResult run) => run.AllocatedBytes / Report.MB / run.Spec.Count;

    private static List<RunResult> Runs(IReadOnlyList<RunResult> results, string side, int concurrency) =>
        results.Where(r => r.Spec.Side == side && r.Spec.Concurrency == concurrency).ToList();
}
