// The full-minute pacing benchmark (PacingBench): run it with bench/pacing.sh. The drain benchmark that lived here
// is bench/run.sh drain (bench/ChatSend.Bench), which measures it against its floor.
using ChatSend.Providers;
using ChatSend.Sessions;

if (args is ["pacing", var pacingConnection])
    return await PacingBench.RunAsync(pacingConnection);
Console.Error.WriteLine("usage: ChatSend.Drain pacing <storage connection string>");
return 2;

/// <summary>A provider that answers every send in 50 ms, as a remote API on a good day.</summary>
internal sealed class SlowProvider : IChannelProvider
{
    /// <summary>When each send reached this provider, across every host in the process.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> Sent = new();

    public const string ProviderName = "fake-50ms";

    public string Name => ProviderName;

    public ProviderCapabilities Capabilities => SandboxProvider.Supported; // what the sandbox sends: every type, groups, previews

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        Sent.Enqueue(DateTimeOffset.UtcNow);
        await Task.Delay(50, cancellationToken);
        return new ProviderReceipt("fake-" + message.Id.Value);
    }
}
