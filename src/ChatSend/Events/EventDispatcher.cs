using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;

namespace ChatSend.Events;

/// <summary>
/// Drains the <c>events</c> queue: hands a message's pending events, oldest first, to every sink that wants its
/// session's events, then removes their outbox entries. When a sink fails, the entries stay and the sweeper queues the
/// job again once they fall due (every <c>SweepAfter</c>), for as long as it takes; sinks that already had the events
/// get them again with the same ids, which receivers dedupe on. A customer's message's job first hands on its chat's
/// received events in order (<see cref="ChatOrder"/>); its other events wait until its own received event is out.
/// </summary>
public sealed partial class EventDispatcher(EventOutbox outbox, ChatOrder chats, MessageStore messages, ILogger<EventDispatcher> logger)
    : QueueHandler<EventJob>(logger)
{
    // One dispatch per message at a time on this instance, so two jobs for one message do not interleave its events.
    private readonly StripedLocks _locks = new(64);

    public override async Task HandleAsync(EventJob job, CancellationToken cancellationToken)
    {
        using var gate = await _locks.TakeAsync(job.Chat ?? job.Id.Value, cancellationToken);
        MessageEntity? row = null;
        if (job.Chat is { } chat)
        {
            (var isOut, row) = await chats.DispatchAsync(job.Id, chat, cancellationToken);
            if (!isOut || row?.GetHistory().Count == 1)
                return; // waits for its turn; or its received event, its only one, was just handed on
        }
        await DispatchAsync(job.Id, ordered: job.Chat is not null, cancellationToken);
    }

    private async Task DispatchAsync(MessageId id, bool ordered, CancellationToken cancellationToken)
    {
        var pending = await outbox.PendingAsync(id, cancellationToken);
        if (pending.Count == 0)
            return;
        // The data is the message as it stands now: a receiver reads data.status and statusHistory for where it is.
        if (await messages.FindAsync(id, cancellationToken) is { } row)
        {
            // A customer's message's job that does not name its chat (the sweeper's, for an entry of its other events, or
            // one queued by the version before): its received event, if it still waits in its chat, goes first.
            if (!ordered && row.InChatOrder && row.Chat is { } chat)
            {
                var (isOut, handedOn) = await chats.DispatchAsync(id, chat, cancellationToken);
                if (!isOut)
                    return;
                row = handedOn ?? row;
            }
            var events = pending.Select(e => MessageEvents.Create(row, e.Change)).ToList();
            if (!await outbox.PublishAsync(id.Session, $"message {id.Value}", events, cancellationToken))
                return;
        }
        else
            LogMessageGone(id.Value); // answered 503 and removed, so it never happened
        await outbox.RemoveAsync(pending, cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "Events of message {MessageId} dropped: the message no longer exists")]
    private partial void LogMessageGone(string messageId);
}
