using System.Diagnostics;
using ChatSend.Host;
using ChatSend.Messages;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ChatSend.Providers;

/// <summary>
/// The full-minute pacing case: three local hosts (three instances, each with its own queue listeners) drain one
/// session's 90 messages at maxPerMinute=30 through the 50 ms provider. Prints the most sends the provider saw in any
/// 60-second window, and when the last one went.
/// </summary>
internal static class PacingBench
{
    private const int Messages = 90;
    private const int PerMinute = 30;

    public static async Task<int> RunAsync(string connection)
    {
        var hosts = Enumerable.Range(0, 3).Select(_ => LocalHost.Create(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ChatSendStorage"] = connection,
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:ChatSend"] = "Warning",
                ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.500",
            });
            builder.Services.AddSingleton<IChannelProvider, SlowProvider>();
        })).ToList();
        var services = hosts[0].Services;
        await services.GetRequiredService<StorageClients>().EnsureCreatedAsync();
        var session = new Session("pacing-" + Guid.NewGuid().ToString("N")[..12], "+442079460958", SlowProvider.ProviderName,
            new Dictionary<string, string> { ["maxPerMinute"] = $"{PerMinute}" }, Enabled: true);
        await services.GetRequiredService<SessionStore>().UpsertAsync(session);
        var acceptor = services.GetRequiredService<MessageAcceptor>();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Messages; i++)
        {
            var command = new SendCommand(session.Id, Recipient.Parse($"+120255{51000 + i}")!, MessageType.Text, $"paced {i}", null, null);
            var id = MessageId.New(session.Id, now);
            await acceptor.AcceptAsync(command.ToMessage(id, session, null, now), null);
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(hosts.Select(h => h.StartAsync()));
        while (SlowProvider.Sent.Count < Messages && clock.Elapsed < TimeSpan.FromMinutes(5))
            await Task.Delay(500);
        var elapsed = clock.Elapsed;
        foreach (var host in hosts)
            await host.StopAsync();

        var sent = SlowProvider.Sent.OrderBy(t => t).ToList();
        var most = sent.Max(t => sent.Count(s => s >= t && s < t + TimeSpan.FromMinutes(1)));
        Console.WriteLine($"Pacing: {Messages} messages, maxPerMinute={PerMinute}, three hosts draining one session");
        Console.WriteLine();
        Console.WriteLine("| sent | most in any 60 s | first to last | run |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| {sent.Count} of {Messages} | {most} | {(sent[^1] - sent[0]).TotalSeconds:0.0} s | {elapsed.TotalSeconds:0} s |");
        return sent.Count == Messages && most <= PerMinute ? 0 : 1;
    }
}
