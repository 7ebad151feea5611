using ChatSend.Http;
using ChatSend.Messages;

namespace ChatSend.Send;

/// <summary>The message a send quotes: ChatSend's id for it (kept on the row) and the provider's (what the provider is given).</summary>
public sealed record Quote(MessageId Id, string ProviderMessageId);

/// <summary>
/// The <c>replyTo</c> step of <c>POST /send</c>: the quoted message must be one of the session's that the provider has an
/// id for (a customer's message, or a sent one once the provider took it). One point read of the session's partition,
/// after the provider was found to send replies and before anything is staged or stored; anything else is 400 naming
/// <c>replyTo</c>. That the id belongs to the session was checked with the request (<see cref="SendRequestValidator"/>).
/// </summary>
public sealed class Replies(MessageStore messages)
{
    public async Task<Step<Quote?>> FindAsync(SendCommand command, CancellationToken cancellationToken)
    {
        if (command.ReplyTo is not { } id)
            return (Quote?)null;
        var quoted = await messages.FindAsync(id, cancellationToken);
        if (quoted is null)
            return Refused($"no message {id} in session '{command.Session}'");
        if (quoted.ProviderMessageId is not { Length: > 0 } providerId)
            return Refused($"message {id} is {quoted.Status} and has not been sent yet: the provider has no id for it to quote");
        return new Quote(id, providerId);
    }

    private static Step<Quote?> Refused(string message) =>
        Problems.Validation(new Dictionary<string, string[]> { ["replyTo"] = [message] });
}
