using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure.Messaging;
using ChatSend.Events;

namespace ChatSend.Tests.Infrastructure;

/// <summary>An event destination for tests: follows the sessions it is told to, keeps what it is handed, fails when told to.</summary>
public sealed class RecordingSink : IEventSink
{
    private readonly ConcurrentDictionary<string, bool> _followed = new();
    private int _failures;

    public ConcurrentQueue<(string Session, CloudEvent Event)> Received { get; } = new();

    public void Follow(string session) => _followed[session] = true;

    /// <summary>The next <paramref name="count"/> publishes throw, as a destination that is down would.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failures, count);

    public IReadOnlyList<CloudEvent> For(string messageId) => Received.Select(r => r.Event).Where(e => e.Subject == messageId).ToList();

    public ValueTask<bool> WantsAsync(string session, CancellationToken cancellationToken) => ValueTask.FromResult(_followed.ContainsKey(session));

    public Task PublishAsync(string session, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _failures) >= 0)
            throw new HttpRequestException("injected: the destination is down");
        foreach (var e in events)
            Received.Enqueue((session, e));
        return Task.CompletedTask;
    }

    public static JsonObject Data(CloudEvent e) => JsonNode.Parse(e.Data!.ToString())!.AsObject();
}
