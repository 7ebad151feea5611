using ChatSend.Events;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>
/// Hands one message's pending events to the sinks, from each shard of the events queue. A throw leaves the job on its
/// queue; the outbox entries stay until it succeeds.
/// </summary>
public sealed class DispatchEvents(EventDispatcher handler)
{
    [Function(QueueEndpoints.DispatchEvents)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.EventsQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DispatchEvents + "1")]
    public Task Run1Async(
        [QueueTrigger(StorageNames.EventsQueue + StorageNames.Shard1, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DispatchEvents + "2")]
    public Task Run2Async(
        [QueueTrigger(StorageNames.EventsQueue + StorageNames.Shard2, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.DispatchEvents + "3")]
    public Task Run3Async(
        [QueueTrigger(StorageNames.EventsQueue + StorageNames.Shard3, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
