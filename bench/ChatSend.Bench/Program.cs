// ChatSend's benchmark: bench/run.sh [send|drain|media|inbound|order|capacity|idle ...] [--quick]. Each measurement runs in a child process of its
// own ("measure <spec>") on an Azurite of its own; this process plans them, runs them and prints the tables.
using System.Text.Json;
using ChatSend.Bench;

if (args is ["measure", var json])
{
    var spec = JsonSerializer.Deserialize<RunSpec>(json) ?? throw new ArgumentException("no spec: " + json);
    SpanTimes.Start();
    await using var azurite = await Azurite.StartAsync(requestLog: spec.Part is "idle" or "capacity");
    var counter = new StorageCallCounter(azurite);
    var result = spec.Part switch
    {
        "send" => await SendRun.RunAsync(spec, azurite, counter),
        "drain" => await DrainRun.RunAsync(spec, azurite, counter),
        "media" => await MediaRun.RunAsync(spec, azurite, counter),
        "inbound" => await InboundRun.RunAsync(spec, azurite, counter),
        "order" => await OrderRun.RunAsync(spec, azurite, counter),
        "idle" => await IdleRun.RunAsync(spec, azurite, counter),
        "capacity" => await CapacityRun.RunAsync(spec, azurite, counter),
        _ => throw new ArgumentException("no part " + spec.Part),
    };
    SpanTimes.Print();
    Console.WriteLine(result.ToLine());
    return 0;
}

var quick = args.Contains("--quick");
var parts = args.Where(a => a != "--quick").ToList();
if (parts.Except(BenchPlan.Parts).FirstOrDefault() is { } unknown)
{
    Console.Error.WriteLine($"unknown part '{unknown}'; usage: bench/run.sh [send|drain|media|inbound|order|capacity|idle ...] [--quick]");
    return 2;
}
return await new Orchestrator(quick ? BenchPlan.Quick : BenchPlan.Full).RunAsync(parts.Count > 0 ? parts : BenchPlan.Default);
