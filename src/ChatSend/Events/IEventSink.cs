using Azure.Messaging;

namespace ChatSend.Events;

/// <summary>
/// Somewhere events go: a session's webhooks, an Event Grid topic. The outbox asks each sink whether it wants a
/// session's events before it records them (so sessions nobody follows cost nothing), and hands it every event at
/// least once, in status order for one message.
/// </summary>
public interface IEventSink
{
    /// <summary>Whether this sink publishes <paramref name="session"/>'s events now. May answer from a short-lived cache.</summary>
    ValueTask<bool> WantsAsync(string session, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes <paramref name="events"/> of one message of <paramref name="session"/>, oldest first. Returns once they are
    /// handed on durably (queued for webhook delivery, accepted by Event Grid); throws when they were not, and is then
    /// called again with the same events later.
    /// </summary>
    Task PublishAsync(string session, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken);
}
