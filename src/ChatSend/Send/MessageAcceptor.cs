using ChatSend.Delivery;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Send;

/// <summary>
/// The last step of <c>POST /send</c>. The message row and its work marker are written in one table transaction: once
/// that lands the message will go out (the job is only a trigger; if it cannot be queued, the sweeper queues one when
/// the marker is due), so the answer is 202. If the transaction fails, what it may have written and the staged media
/// are removed before the 503, so a 503 never leaves anything that could be sent. Both writes go ahead even if the
/// client disconnects meanwhile. A send that waits behind another to its chat gets no job here: the send before it queues
/// it when its turn comes (<see cref="ChatLines"/>), and its marker is the way forward should that job be lost.
/// </summary>
public sealed partial class MessageAcceptor(
    MessageStore messages,
    DeliveryQueue deliveries,
    MediaStager media,
    ChatLines lines,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<MessageAcceptor> logger)
{
    private static readonly TimeSpan[] UndoBackoff = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    public async Task<MessageEntity> AcceptAsync(MessageEntity message, StagedMedia? staged, TimeSpan? delay = null)
    {
        var id = message.MessageId;
        // On the row in the same write, so delivery attempts, receipts and the sweeper's jobs find the send's trace.
        (message.TraceParent, message.TraceState) = ChatSendTelemetry.CurrentContext() is { } trace ? (trace.TraceParent, trace.TraceState) : (null, null);
        try
        {
            await messages.InsertAsync(message, time.GetUtcNow() + (delay ?? TimeSpan.Zero) + options.Value.SweepAfter, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            await UndoAsync(message, staged);
            throw;
        }
        ChatSendTelemetry.Accepted.Add(1, new KeyValuePair<string, object?>(ChatSendTelemetry.Tags.MessageType, message.Type));
        if (message.InLine && message.Turn is null)
            return message; // behind another send to its chat: the end of that one queues this one's job
        try
        {
            await deliveries.EnqueueAsync(DeliveryJob.For(message), delay, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogQueueDeferred(id.Value, options.Value.SweepAfter, ex);
        }
        return message;
    }

    // The transaction may have landed with its answer lost: remove the row and marker (a few tries), then the media.
    private async Task UndoAsync(MessageEntity message, StagedMedia? staged)
    {
        var id = message.MessageId;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await messages.RemoveAsync(message, CancellationToken.None);
                await lines.PassOnAsync(message, CancellationToken.None); // a number that landed would hold its chat: passed on
                break;
            }
            catch (Exception ex) when (StorageFailure.IsStorageFailure(ex) && attempt < UndoBackoff.Length)
            {
                await Task.Delay(UndoBackoff[attempt], time);
            }
            catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
            {
                LogRowNotRemoved(id.Value, ex);
                break;
            }
        }
        try
        {
            await media.DeleteAsync(staged);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogMediaNotRemoved(id.Value, ex);
        }
    }

    [LoggerMessage(LogLevel.Warning, "The job for message {MessageId} could not be queued; the sweeper queues it within {SweepAfter}")]
    private partial void LogQueueDeferred(string messageId, TimeSpan sweepAfter, Exception exception);

    [LoggerMessage(LogLevel.Error, "Message {MessageId} was answered 503 but its row could not be confirmed removed; if it landed it will be sent")]
    private partial void LogRowNotRemoved(string messageId, Exception exception);

    [LoggerMessage(LogLevel.Error, "Staged media of message {MessageId} could not be removed; the sweeper removes it once it is an hour old")]
    private partial void LogMediaNotRemoved(string messageId, Exception exception);
}
