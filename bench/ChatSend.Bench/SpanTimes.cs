using System.Collections.Concurrent;
using System.Diagnostics;

namespace ChatSend.Bench;

/// <summary>
/// With <c>BENCH_SPANS=1</c>, where a measured stretch's time went: every span the process emits (ChatSend's, ASP.NET
/// Core's, the HTTP client's and the Azure SDK's, whose sources are switched on) timed while it runs, and printed after
/// it by name with its percentiles. Listening costs time of its own, so the run's own figures are not comparable then.
/// </summary>
internal static class SpanTimes
{
    private static readonly ConcurrentQueue<(string Name, double Milliseconds)> Spans = new();
    private static ActivityListener? _listener;
    private static volatile bool _timing;

    public static void Start()
    {
        if (Environment.GetEnvironmentVariable("BENCH_SPANS") != "1")
            return;
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (_timing)
                    Spans.Enqueue((a.Source.Name + ": " + a.OperationName, a.Duration.TotalMilliseconds));
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Times the spans that end from now on (not the warm-up's) until <see cref="Stop"/>.</summary>
    public static void Begin() => _timing = true;

    public static void Stop() => _timing = false;

    public static void Print()
    {
        if (_listener is null)
            return;
        foreach (var spans in Spans.GroupBy(s => s.Name).OrderByDescending(g => g.Count()))
        {
            var sorted = spans.Select(s => s.Milliseconds).Order().ToArray();
            double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            Console.Error.WriteLine($"{spans.Key}: {sorted.Length} spans, ms p50 {At(0.5):0.00}, p90 {At(0.9):0.00}, p99 {At(0.99):0.00}, " +
                                    $"max {sorted[^1]:0.00}, mean {sorted.Average():0.00}");
        }
    }
}
