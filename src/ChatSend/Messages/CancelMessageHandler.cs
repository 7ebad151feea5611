using ChatSend.Http;
using ChatSend.Media;
using ChatSend.Sweeping;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Messages;

/// <summary>
/// <c>DELETE /messages/{id}</c>: cancels a <c>scheduled</c> or <c>queued</c> message no delivery attempt has started,
/// removing its work marker in the same write (so no job or sweep can send it) and then its staged media.
/// Canceling a canceled message answers it again.
/// </summary>
public sealed class CancelMessageHandler(MessageStore messages, MediaStager media, SweepIndex index, TimeProvider time)
{
    public async Task<Results<Ok<MessageView>, ProblemHttpResult>> HandleAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (!MessageId.TryParse(id, out var messageId) || !request.HttpContext.GetApiKeyScope().Covers(messageId.Session))
            return Problems.MessageNotFound();
        var canceled = false;
        var row = await messages.UpdateAsync(messageId, m =>
        {
            canceled = m.CurrentStatus == MessageStatus.Canceled;
            if (canceled || m.CurrentStatus is not (MessageStatus.Scheduled or MessageStatus.Queued) || m.ClaimId is not null || m.Attempts > 0)
                return null;
            canceled = m.Advance(MessageStatus.Canceled, time.GetUtcNow());
            return MarkerChange.Remove;
        }, cancellationToken);
        if (row is null)
            return Problems.MessageNotFound();
        if (!canceled)
            return Problems.Problem(StatusCodes.Status409Conflict, "The message can no longer be canceled.",
                $"It is {row.Status}{(row.Attempts > 0 ? " and a delivery attempt has started" : "")}; only a scheduled or queued message that no attempt has claimed can be.");
        if (row.MediaBlob is { } blob)
        {
            await index.NoteOrphanAsync(blob, CancellationToken.None); // if the delete fails, the sweeper removes the blob
            await media.DeleteAsync(blob);
        }
        return TypedResults.Ok(MessageView.From(row, withHistory: true));
    }
}
