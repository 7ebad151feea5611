// Drain benchmark: 2,000 accepted messages drained by the local host's queue listeners through a provider that
// answers in 50 ms, beside the same through the sandbox. A processor that waited for each provider call in turn would
// take 2,000 × 50 ms = 100 s; the listeners run a batch at a time, like the Functions queue trigger.
// Run it with bench/drain.sh [messages] [storage connection string].
using System.Diagnostics;
using Azure.Data.Tables;
using ChatSend.Auth;
using ChatSend.Delivery;
using ChatSend.Host;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (args is ["pacing", var pacingConnection])
    return await PacingBench.RunAsync(pacingConnection);
var count = args.Length > 0 ? int.Parse(args[0]) : 2000;
var connection = args.Length > 1 ? args[1] : throw new ArgumentException("usage: ChatSend.Drain <messages> <storage connection string> | pacing <storage connection string>");

Console.WriteLine($"{count} messages per run, drained by the local host's queue listeners (batch 16, new batch at 8); {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| provider | answers in | drained to sent in (s) | messages/s | if one at a time (s) |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var provider in new[] { SlowProvider.ProviderName, SandboxProvider.ProviderName })
{
    var seconds = await DrainAsync(provider);
    var latency = provider == SlowProvider.ProviderName ? "50 ms" : "at once (queues its receipts)";
    var serial = provider == SlowProvider.ProviderName ? $"{count * 0.05:0}" : "–";
    Console.WriteLine($"| {provider} | {latency} | {seconds:0.0} | {count / seconds:0} | {serial} |");
}
return 0;

async Task<double> DrainAsync(string provider)
{
    var app = LocalHost.Create(["--urls", "http://127.0.0.1:0"], builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ChatSendStorage"] = connection,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:ChatSend"] = "Warning",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        });
        builder.Services.AddSingleton<IChannelProvider, SlowProvider>();
    });
    var services = app.Services;
    await services.GetRequiredService<StorageClients>().EnsureCreatedAsync();
    var session = new Session($"drain-{provider}-{Guid.NewGuid():N}"[..40], "+442079460958", provider, new Dictionary<string, string>
    {
        ["deliveredAfterSeconds"] = "600", ["readAfterSeconds"] = "600", // the sandbox's receipts stay out of the measurement
    }, Enabled: true);
    await services.GetRequiredService<SessionStore>().UpsertAsync(session);

    // Accept every message first (as POST /send does: row + marker, then the job), listeners not yet running.
    var acceptor = services.GetRequiredService<MessageAcceptor>();
    var now = DateTimeOffset.UtcNow;
    var ids = new List<MessageId>();
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
    {
        var command = new SendCommand(session.Id, Recipient.Parse("+12025550123")!, MessageType.Text, $"drain {i}", null, null);
        var id = MessageId.New(session.Id, now);
        await acceptor.AcceptAsync(command.ToMessage(id, session, null, now), null);
        lock (ids)
            ids.Add(id);
    });

    var table = services.GetRequiredService<StorageClients>().Table(StorageNames.MessagesTable);
    var clock = Stopwatch.StartNew();
    await app.StartAsync();
    while (true)
    {
        var open = 0;
        await foreach (var row in table.QueryAsync<TableEntity>($"PartitionKey eq '{session.Id}' and RowKey lt '~' and Status eq 'queued'", select: ["RowKey"]))
            open++;
        if (open == 0)
            break;
        await Task.Delay(100);
    }
    var seconds = clock.Elapsed.TotalSeconds;
    await app.StopAsync();
    await app.DisposeAsync();
    return seconds;
}

/// <summary>A provider that answers every send in 50 ms, as a remote API on a good day.</summary>
internal sealed class SlowProvider : IChannelProvider
{
    /// <summary>When each send reached this provider, across every host in the process.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> Sent = new();

    public const string ProviderName = "fake-50ms";

    public string Name => ProviderName;

    public ProviderCapabilities Capabilities => ProviderCapabilities.Everything;

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        Sent.Enqueue(DateTimeOffset.UtcNow);
        await Task.Delay(50, cancellationToken);
        return new ProviderReceipt("fake-" + message.Id.Value);
    }
}
