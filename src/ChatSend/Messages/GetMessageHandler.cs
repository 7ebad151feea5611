using ChatSend.Auth;
using ChatSend.Http;
using ChatSend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace ChatSend.Messages;

/// <summary><c>GET /messages/{id}</c>: current status, status history and failure reason.</summary>
public sealed class GetMessageHandler(ApiKeyStore keys, MessageStore messages, ILogger<GetMessageHandler> logger)
{
    public async Task<Results<Ok<MessageView>, ProblemHttpResult>> HandleAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        try
        {
            if (await keys.AuthenticateAsync(request, cancellationToken) is not { } scope)
                return Problems.Unauthorized(request.HttpContext);

            // A message outside the key's sessions answers exactly like a missing one, so ids cannot be probed.
            if (!MessageId.TryParse(id, out var messageId) || !scope.Covers(messageId.Session))
                return Problems.MessageNotFound();
            var message = await messages.FindAsync(messageId, cancellationToken);
            return message is null ? Problems.MessageNotFound() : TypedResults.Ok(MessageView.From(message, withHistory: true));
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, cancellationToken))
        {
            logger.LogWarning(ex, "Storage unavailable while reading a message");
            return Problems.StorageUnavailable(request.HttpContext);
        }
    }
}
