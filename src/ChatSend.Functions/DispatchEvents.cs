using ChatSend.Events;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>Hands one message's pending events to the sinks. A throw leaves the job on the queue; the outbox entries stay until it succeeds.</summary>
public sealed class DispatchEvents(EventDispatcher handler)
{
    [Function(QueueEndpoints.DispatchEvents)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.EventsQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
