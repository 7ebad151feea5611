using ChatSend.Http;
using ChatSend.Providers;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace ChatSend.Messages;

/// <summary>
/// <c>POST /messages/{id}/read</c>: marks a customer's message read at its session's provider, then moves it
/// <c>received → read</c> in one write with its <c>read</c> event (the outbox). A message already read is answered as it
/// is, without asking the provider again; a message the session sent is 409. Until the provider has done it nothing
/// changes: a transient failure (unreachable, a timeout, 429, 5xx) is 503 with <c>Retry-After</c>, so the same request
/// can be sent again, and a refusal (a wrong token, an id the provider does not know) is 502 with the provider's reason.
/// </summary>
public sealed partial class MarkReadHandler(
    MessageStore messages,
    SessionStore sessions,
    ChannelProviders providers,
    TimeProvider time,
    ILogger<MarkReadHandler> logger)
{
    public async Task<Results<Ok<MessageView>, ProblemHttpResult>> HandleAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        // Outside the key's sessions answers exactly like a missing message, so ids cannot be probed.
        if (!MessageId.TryParse(id, out var messageId) || !request.HttpContext.GetApiKeyScope().Covers(messageId.Session))
            return Problems.MessageNotFound();
        var message = await messages.FindAsync(messageId, cancellationToken);
        if (message is null)
            return Problems.MessageNotFound();
        if (!message.IsInbound)
            return Problems.Problem(StatusCodes.Status409Conflict, "Only a customer's message can be marked read.",
                $"Message {message.Id} was sent by the session (direction outbound); whether its recipient read it comes from the provider.");
        if (message.CurrentStatus == MessageStatus.Read)
            return Answer(message);

        var session = await sessions.FindAsync(messageId.Session, cancellationToken);
        if (session is null)
            return Problems.SessionNotFound(messageId.Session);
        if (!session.Enabled)
            return Problems.SessionDisabled(session.Id);
        var provider = providers.Find(session.Provider);
        if (provider is not { Capabilities.MarkRead: true })
            return Problems.Problem(StatusCodes.Status422UnprocessableEntity, "The session's provider cannot mark messages read.",
                provider is null
                    ? $"Session '{session.Id}' uses provider '{session.Provider}', which this deployment does not have."
                    : $"Provider {provider.Name} does not mark messages read.");

        var received = new ReceivedMessage(messageId,
            message.ProviderMessageId ?? throw new InvalidOperationException($"Received message {message.Id} has no provider id."),
            message.ChatOrRecipient, message.Sender);
        try
        {
            // Not the request's token: a call the provider carried out is recorded even if the client has gone.
            await provider.MarkReadAsync(received, session, CancellationToken.None);
        }
        catch (ProviderException ex) when (ex.IsTransient)
        {
            LogProviderUnavailable(message.Id, provider.Name, ex.Message);
            return Problems.ProviderUnavailable(request.HttpContext, provider.Name, ex.Message, ex.RetryAfter);
        }
        catch (ProviderException ex)
        {
            LogProviderRefused(message.Id, provider.Name, ex.Message);
            return Problems.ProviderRefused(provider.Name, ex.Message);
        }

        // From the row just read (its ETag guards the write); read again only if it changed meanwhile.
        var row = await messages.UpdateAsync(message, m => m.Advance(MessageStatus.Read, time.GetUtcNow()) ? MarkerChange.Keep : null,
            CancellationToken.None);
        if (row is null)
            return Problems.MessageNotFound();
        LogMarkedRead(row.Id, provider.Name);
        return Answer(row);
    }

    private static Ok<MessageView> Answer(MessageEntity message) => TypedResults.Ok(MessageView.From(message, withHistory: true));

    [LoggerMessage(LogLevel.Information, "Message {MessageId} marked read at provider {Provider}")]
    private partial void LogMarkedRead(string messageId, string provider);

    [LoggerMessage(LogLevel.Warning, "Marking message {MessageId} read: provider {Provider} is unavailable ({Reason}); answered 503")]
    private partial void LogProviderUnavailable(string messageId, string provider, string reason);

    [LoggerMessage(LogLevel.Warning, "Marking message {MessageId} read: provider {Provider} refused ({Reason}); answered 502")]
    private partial void LogProviderRefused(string messageId, string provider, string reason);
}
