using ChatSend.Delivery;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;

namespace ChatSend.Send;

/// <summary>
/// The last step of <c>POST /send</c>: writes the message row, then its delivery job. If either cannot be written,
/// what was written (the row, the staged media) is removed again and the storage error goes on to become a 503,
/// so nothing is left half-written. Both writes go ahead even if the client disconnects meanwhile.
/// </summary>
public sealed partial class MessageAcceptor(MessageStore messages, DeliveryQueue deliveries, MediaStager media, ILogger<MessageAcceptor> logger)
{
    public async Task<MessageEntity> AcceptAsync(MessageEntity message, StagedMedia? staged)
    {
        try
        {
            await messages.InsertAsync(message, CancellationToken.None);
        }
        catch
        {
            await UndoAsync(message.MessageId, inserted: null, staged);
            throw;
        }
        try
        {
            await deliveries.EnqueueAsync(new DeliveryJob(message.MessageId), cancellationToken: CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogQueueFailed(message.Id, ex);
            await UndoAsync(message.MessageId, message, staged);
            throw;
        }
        return message;
    }

    // Each step on its own, so a failure of one still lets the other run and never hides the error that made the
    // request fail; what cannot be undone is logged for an operator (the blob would still expire by the lifecycle rule).
    private async Task UndoAsync(MessageId id, MessageEntity? inserted, StagedMedia? staged)
    {
        try
        {
            if (inserted is not null)
                await messages.DeleteAsync(inserted, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogRowNotRemoved(id.Value, ex);
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

    [LoggerMessage(LogLevel.Warning, "Queueing message {MessageId} failed; removing its row")]
    private partial void LogQueueFailed(string messageId, Exception exception);

    [LoggerMessage(LogLevel.Error, "Message {MessageId} could not be removed after its job failed to queue; it stays queued without a job")]
    private partial void LogRowNotRemoved(string messageId, Exception exception);

    [LoggerMessage(LogLevel.Error, "Staged media of message {MessageId} could not be removed")]
    private partial void LogMediaNotRemoved(string messageId, Exception exception);
}
