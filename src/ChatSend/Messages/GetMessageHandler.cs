using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Messages;

/// <summary><c>GET /messages/{id}</c>: current status, status history and failure reason.</summary>
public sealed class GetMessageHandler(MessageStore messages)
{
    public async Task<Results<Ok<MessageView>, ProblemHttpResult>> HandleAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        // A message outside the key's sessions answers exactly like a missing one, so ids cannot be probed.
        if (!MessageId.TryParse(id, out var messageId) || !request.HttpContext.GetApiKeyScope().Covers(messageId.Session))
            return Problems.MessageNotFound();
        var message = await messages.FindAsync(messageId, cancellationToken);
        return message is null ? Problems.MessageNotFound() : TypedResults.Ok(MessageView.From(message, withHistory: true));
    }
}
