using System.Text;

namespace ChatSend.Bench;

internal static class MediaReport
{
    private static readonly (string Side, string Name)[] Sides =
    [
        (MediaRun.Raw, "raw blob upload"),
        (MediaRun.Floor, "floor: fetch, SHA-256, block upload"),
        (MediaRun.Staged, "MediaStager.StageAsync from URL"),
    ];

    public static string Write(IReadOnlyList<RunResult> results, BenchPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine($"#### media: {plan.MediaFiles} files of 16 MiB per run, staged from a media server on 127.0.0.1, by its floor, or uploaded raw");
        text.AppendLine();
        text.Header("at once", "run", "MB/s (range)", "× floor", "× raw", "MB allocated per file", "peak working set MB", "blob calls per file");
        foreach (var concurrency in plan.MediaConcurrency)
        {
            var (raw, floor) = (Runs(results, MediaRun.Raw, concurrency), Runs(results, MediaRun.Floor, concurrency));
            foreach (var (side, name) in Sides)
            {
                var runs = Runs(results, side, concurrency);
                text.Row(concurrency, name, runs.WithRange(MBps), Report.Ratio(runs.Median(MBps) / floor.Median(MBps)),
                    Report.Ratio(runs.Median(MBps) / raw.Median(MBps)), runs.Median(AllocatedMBPerFile), runs.Median(Report.PeakMB),
                    runs.Median(r => r.CallsPerItem(k => k == CallKind.Blob)));
            }
        }
        text.AppendLine();
        text.AppendLine("The floor does the same work in a tight loop: a plain GET of the same URL, 4 MiB blocks, each uploaded while the next");
        text.AppendLine("is read and hashed while it uploads, the block list committed with the SHA-256; no address guard, type check or");
        text.AppendLine("sweep-index hint. The working set includes the media server's copy of the file, which the raw runs upload from.");
        text.AppendLine();
        foreach (var concurrency in plan.MediaConcurrency)
        {
            var (raw, floor, staged) = (Runs(results, MediaRun.Raw, concurrency), Runs(results, MediaRun.Floor, concurrency),
                Runs(results, MediaRun.Staged, concurrency));
            var (speed, floorSpeed) = (staged.Median(MBps), floor.Median(MBps));
            var (peak, rawPeak) = (staged.Median(Report.PeakMB), raw.Median(Report.PeakMB));
            var allocated = staged.Median(AllocatedMBPerFile);
            text.Target($"media, {concurrency} at once, speed", speed / floorSpeed, atLeast: true, 0.9,
                $"{speed:0.0} MB/s = {Report.Ratio(speed / floorSpeed)} the floor's {floorSpeed:0.0} MB/s ({Report.Ratio(speed / raw.Median(MBps))} raw's)", "×");
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
