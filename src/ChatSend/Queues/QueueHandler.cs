using Microsoft.Extensions.Logging;

namespace ChatSend.Queues;

/// <summary>What both hosts call for one queue message: the body as it came off the queue.</summary>
public interface IQueueHandler
{
    Task HandleAsync(string body, CancellationToken cancellationToken);
}

/// <summary>
/// Reads the body into its typed message once, at the edge. A body that is not a valid message is logged and
/// dropped: retrying it cannot help, and it must not reach the poison path meant for messages that failed.
/// </summary>
public abstract class QueueHandler<TMessage>(ILogger logger) : IQueueHandler where TMessage : class, IQueueMessage
{
    public Task HandleAsync(string body, CancellationToken cancellationToken)
    {
        if (QueueMessages.TryRead<TMessage>(body, out var message))
            return HandleAsync(message, cancellationToken);
        logger.LogError("Dropped a queue message that is not a valid {Shape}", typeof(TMessage).Name);
        return Task.CompletedTask;
    }

    public abstract Task HandleAsync(TMessage message, CancellationToken cancellationToken);
}
