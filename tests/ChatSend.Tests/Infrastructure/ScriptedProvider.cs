using System.Collections.Concurrent;
using ChatSend.Providers;
using ChatSend.Sessions;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// A channel provider whose behaviour each test session sets in its provider settings, so tests of the
/// delivery pipeline can make a provider fail: <c>outcome</c> = <c>ok</c> | <c>transient</c> | <c>permanent</c> |
/// <c>crash</c> (an unexpected exception) | <c>die</c> (the worker dies right after the message went out), for
/// <c>transient</c> optionally <c>failures</c> = N before success, and <c>delayMs</c> to answer slowly.
/// It counts calls per message, to show duplicate sends.
/// </summary>
public sealed class ScriptedProvider : IChannelProvider
{
    public const string ProviderName = "scripted";

    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _called = new();

    public string Name => ProviderName;

    /// <summary>What the sandbox sends (every type, groups, previews), but no replies and no read marking: a provider without them.</summary>
    public ProviderCapabilities Capabilities { get; } = SandboxProvider.Supported with { Replies = false, MarkRead = false };

    /// <summary>A gateway's state from the session's <c>state</c> setting; <c>down</c> plays a gateway that cannot be reached.</summary>
    public Task<ProviderSessionState?> GetStateAsync(Session session, CancellationToken cancellationToken) =>
        session.Setting("state") switch
        {
            null => Task.FromResult<ProviderSessionState?>(null),
            "down" => throw new HttpRequestException("Connection refused (127.0.0.1:3000)"),
            var state => Task.FromResult<ProviderSessionState?>(new ProviderSessionState(state, "scan the QR code in the gateway")),
        };

    public int CallsFor(string messageId) => _calls.GetValueOrDefault(messageId);

    public IReadOnlyDictionary<string, int> Calls => _calls;

    /// <summary>When each successful send reached this provider (wall clock), and to whom.</summary>
    public ConcurrentQueue<(DateTimeOffset At, string Recipient)> Sent { get; } = new();

    /// <summary>The ids of the messages this provider took, in the order it took them.</summary>
    public ConcurrentQueue<string> SentIds { get; } = new();

    private ProviderReceipt Record(OutboundMessage message, int call)
    {
        Sent.Enqueue((DateTimeOffset.UtcNow, message.Recipient));
        SentIds.Enqueue(message.Id.Value);
        return new ProviderReceipt($"scripted-{message.Id.Value}-{call}");
    }

    /// <summary>Completes when this provider is first called for the message (the attempt has claimed it and is sending).</summary>
    public Task CalledAsync(string messageId) => Called(messageId).Task;

    private TaskCompletionSource Called(string messageId) =>
        _called.GetOrAdd(messageId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        var call = _calls.AddOrUpdate(message.Id.Value, 1, (_, n) => n + 1);
        Called(message.Id.Value).TrySetResult();
        var outcome = session.ProviderSettings.GetValueOrDefault("outcome", "ok");
        var failures = int.Parse(session.ProviderSettings.GetValueOrDefault("failures", "1000"));
        if (session.ProviderSettings.TryGetValue("delayMs", out var delay))
            await Task.Delay(int.Parse(delay), cancellationToken); // a slow provider, as the session's settings ask
        return outcome switch
        {
            "transient" when call <= failures => throw new ProviderException("upstream answered 503", transient: true),
            "permanent" => throw new ProviderException("recipient is not on the network", transient: false),
            "crash" => throw new InvalidOperationException("provider bug"),
            "die" => throw new WorkerDied(),
            _ => Record(message, call),
        };
    }
}
