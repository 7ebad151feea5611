using System.Text.Json;
using ChatSend.Auth;
using ChatSend.Delivery;
using ChatSend.Http;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace ChatSend.Send;

/// <summary>
/// <c>POST /send</c>. Stages any media in Blob storage, then writes the message row, then the delivery job; if the
/// job cannot be queued the row and the media are removed again and the client gets 503 with Retry-After, so
/// nothing is left half-written.
/// </summary>
public sealed class SendHandler(
    ApiKeyStore keys,
    SessionStore sessions,
    MessageStore messages,
    DeliveryQueue deliveries,
    MediaStager media,
    TimeProvider time,
    ILogger<SendHandler> logger)
{
    public async Task<Results<Accepted<MessageView>, ProblemHttpResult>> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, cancellationToken))
        {
            logger.LogWarning(ex, "Storage unavailable while accepting a message");
            return Problems.StorageUnavailable(request.HttpContext);
        }
    }

    private async Task<Results<Accepted<MessageView>, ProblemHttpResult>> SendAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (await keys.AuthenticateAsync(request, cancellationToken) is not { } scope)
            return Problems.Unauthorized(request.HttpContext);

        var (command, problem) = await SendRequestReader.ReadAsync(request, cancellationToken);
        if (command is null)
            return problem!;

        if (!scope.Covers(command.Session))
            return Problems.SessionForbidden(command.Session);
        var session = await sessions.FindAsync(command.Session, cancellationToken);
        if (session is null)
            return Problems.SessionNotFound(command.Session);
        if (!session.Enabled)
            return Problems.SessionDisabled(command.Session);

        var now = time.GetUtcNow();
        var id = MessageId.New(session.Id, now);
        StagedMedia? staged = null;
        if (command.Media is { } reference)
        {
            try
            {
                staged = await media.StageAsync(reference, command.Type, id, cancellationToken);
            }
            catch (MediaException ex)
            {
                logger.LogInformation("Media for message {MessageId} refused ({Status}): {Reason}", id.Value, ex.Status, ex.Message);
                return Problems.Field(ex.Status, ex.Title, ex.Field, ex.Message);
            }
        }

        // From here the row and its job are written as a pair, even if the client goes away meanwhile;
        // if they cannot be, the staged media goes too, so nothing is left behind.
        MessageEntity message;
        try
        {
            message = await messages.InsertAsync(NewMessage(id, command, session, staged, now), CancellationToken.None);
        }
        catch
        {
            await UndoAsync(id, message: null, staged);
            throw;
        }
        try
        {
            await deliveries.EnqueueAsync(new DeliveryJob(message.Id), cancellationToken: CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            logger.LogWarning(ex, "Queueing message {MessageId} failed; removing its row", message.Id);
            await UndoAsync(id, message, staged);
            return Problems.StorageUnavailable(request.HttpContext);
        }

        logger.LogInformation("Accepted {Type} message {MessageId} from session {Session} to {Recipient}",
            message.Type, message.Id, session.Id, Recipient.Mask(message.Recipient));
        return TypedResults.Accepted($"/messages/{message.Id}", MessageView.From(message));
    }

    // Removes what this request wrote (the row, if written, and the staged media), each step on its own so a
    // failure of one still lets the other run, and never hides the error that made the request fail; what cannot
    // be undone is logged as an error for an operator (the media blob would still expire by the lifecycle rule).
    private async Task UndoAsync(MessageId id, MessageEntity? message, StagedMedia? staged)
    {
        try
        {
            if (message is not null)
                await messages.DeleteAsync(message, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            logger.LogError(ex, "Message {MessageId} could not be removed after its job failed to queue; it stays queued without a job", id.Value);
        }
        try
        {
            await media.DeleteAsync(staged);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            logger.LogError(ex, "Staged media of message {MessageId} could not be removed", id.Value);
        }
    }

    private static MessageEntity NewMessage(MessageId id, SendCommand command, Session session, StagedMedia? staged, DateTimeOffset now)
    {
        var message = new MessageEntity
        {
            PartitionKey = id.Session,
            RowKey = id.RowKey,
            Id = id.Value,
            To = command.To.Value,
            Recipient = command.To.Value,
            Sender = session.SenderPhone,
            Type = command.Type,
            Text = command.Text,
            Content = command.Text ?? command.Media?.Url.OriginalString ?? "",
            Preview = command.Preview is null ? null : JsonSerializer.Serialize(command.Preview),
            AcceptedAt = now,
            MediaUrl = command.Media?.Url.OriginalString,
            MediaBlob = staged?.BlobName,
            MimeType = staged?.MimeType,
            FileName = staged?.FileName,
            MediaLength = staged?.Length,
            MediaSha256 = staged?.Sha256,
        };
        message.Advance(MessageStatus.Queued, now);
        return message;
    }
}
