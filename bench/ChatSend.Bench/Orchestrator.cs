using System.Diagnostics;
using System.Text.Json;

namespace ChatSend.Bench;

/// <summary>
/// Runs each measurement of a part in a child process, then prints the part's tables and targets. Every run's own
/// result is kept, one JSON line each, in .artifacts/bench/runs.jsonl, to look into a median.
/// </summary>
internal sealed class Orchestrator(BenchPlan plan)
{
    // An idle run: storing 10,000 files, then about seven minutes of nothing.
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(15);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _runsFile = Path.Combine(BenchPaths.Root, ".artifacts", "bench", "runs.jsonl");
    private int _failed;

    public async Task<int> RunAsync(IEnumerable<string> parts)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_runsFile)!);
        File.WriteAllText(_runsFile, "");
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {plan.Name} run, " +
                          $"medians of {plan.Repetitions}; each run on a fresh in-memory Azurite on 127.0.0.1");
        foreach (var part in parts)
        {
            var results = new List<RunResult>();
            foreach (var spec in plan.Runs(part))
                if (await RunChildAsync(spec) is { } result)
                    results.Add(result);
            Console.WriteLine();
            var report = part switch
            {
                "send" => SendReport.Write(results, plan),
                "drain" => DrainReport.Write(results, plan),
                "inbound" => InboundReport.Write(results, plan),
                "order" => OrderReport.Write(results, plan),
                "idle" => IdleReport.Write(results, plan),
                "capacity" => CapacityReport.Write(results, plan),
                _ => MediaReport.Write(results, plan),
            };
            Console.WriteLine(report);
        }
        Console.WriteLine($"Benchmark took {_clock.Elapsed:m\\:ss}{(_failed > 0 ? $"; {_failed} runs FAILED (see above)" : "")}.");
        return _failed > 0 ? 1 : 0;
    }

    private async Task<RunResult?> RunChildAsync(RunSpec spec)
    {
        using var child = Process.Start(ChildStart(spec))!;
        RunResult? result = null;
        child.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
                return;
            if (RunResult.FromLine(line) is { } parsed)
                result = parsed;
            else
                Console.Error.WriteLine($"  [{spec}] {line}");
        };
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
                Console.Error.WriteLine($"  [{spec}] {line}");
        };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(ChildTimeout);
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true); // Azurite too
            await child.WaitForExitAsync();
        }
        if (child.ExitCode != 0 || result is null)
        {
            _failed++;
            Console.Error.WriteLine($"[{_clock.Elapsed:m\\:ss}] {spec}: FAILED (exit code {child.ExitCode})");
            return null;
        }
        Console.Error.WriteLine($"[{_clock.Elapsed:m\\:ss}] {spec}: {result.PerSecond:0.0}/s in {result.Seconds:0.00} s");
        await File.AppendAllTextAsync(_runsFile, JsonSerializer.Serialize(result) + Environment.NewLine);
        return result;
    }

    // The same executable, as "measure <spec>"; under `dotnet ChatSend.Bench.dll` the dll is the first argument.
    private static ProcessStartInfo ChildStart(RunSpec spec)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(typeof(Orchestrator).Assembly.Location);
        start.ArgumentList.Add("measure");
        start.ArgumentList.Add(JsonSerializer.Serialize(spec));
        return start;
    }
}
