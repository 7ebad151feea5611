using ChatSend.Auth;
using ChatSend.Http;
using ChatSend.Send.Idempotency;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Sessions;
using ChatSend.Telemetry;
using ChatSend.Templates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace ChatSend.Send;

/// <summary>
/// <c>POST /send</c>, as steps: the caller was authenticated by <see cref="ApiGate"/>; read the body; with an
/// <c>Idempotency-Key</c>, run the rest through <see cref="IdempotentSend"/>; validate; authorise the session; check
/// the provider can send it; check the chat's 24-hour window (<see cref="Chats.WindowCheck"/>); find the message it quotes (<see cref="Replies"/>); stage any media; record the message and
/// queue its job. A step that refuses ends the request with its problem; storage
/// errors are answered 503 by the gate.
/// </summary>
public sealed partial class SendHandler(
    SessionAccess sessions,
    MediaStager media,
    MessageAcceptor acceptor,
    IdempotentSend idempotency,
    ChannelProviders providers,
    Replies replies,
    Chats.WindowCheck window,
    TemplateCheck templates,
    TimeProvider time,
    ILogger<SendHandler> logger)
{
    public async Task<Results<Accepted<MessageView>, ProblemHttpResult>> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var activity = ChatSendTelemetry.StartSend();
        var caller = request.HttpContext.GetApiKeyScope();
        var body = await SendRequestReader.ReadBodyAsync(request, cancellationToken);
        if (body.Failed(out var unreadable))
            return unreadable;
        var key = IdempotentSend.KeyOf(request);
        if (key.Failed(out var badKey))
            return badKey;
        return key.Value is { } idempotencyKey
            ? await idempotency.RunAsync(request.HttpContext, caller, idempotencyKey, body.Value!,
                rowKey => SendAsync(request.HttpContext, caller, body.Value!, rowKey, cancellationToken))
            : await SendAsync(request.HttpContext, caller, body.Value!, rowKey: null, cancellationToken);
    }

    private async Task<Results<Accepted<MessageView>, ProblemHttpResult>> SendAsync(HttpContext context, ApiKeyScope caller, byte[] body, string? rowKey,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var read = SendRequestReader.Read(body, now);
        if (read.Failed(out var invalid))
            return invalid;
        var command = read.Value!;

        var authorized = await sessions.AuthorizeAsync(caller, command.Session, cancellationToken);
        if (authorized.Failed(out var refused))
            return refused;
        var session = authorized.Value!;
        if (ProviderFit.Check(command, session, providers).Failed(out var unsendable))
            return unsendable;
        var windowed = await window.CheckAsync(command, session, now, cancellationToken);
        if (windowed.Failed(out var closed))
            return closed;
        command = windowed.Value!;
        var content = await templates.CheckAsync(context, command, session, cancellationToken);
        if (content.Failed(out var unfit))
            return unfit;
        var quote = await replies.FindAsync(command, cancellationToken);
        if (quote.Failed(out var unquotable))
            return unquotable;

        var id = new MessageId(MessagePartitions.For(session, command.To.Value), rowKey ?? MessageId.NewRowKey(now));
        var staged = await StageAsync(command, id, cancellationToken);
        if (staged.Failed(out var unusable))
            return unusable;

        var message = await acceptor.AcceptAsync(command.ToMessage(id, session, staged.Value, now, quote.Value, content.Value), staged.Value,
            command.SendAt - now);
        ChatSendTelemetry.TagSend(message);
        LogAccepted(message.Type, message.Id, session.Id, Recipient.Mask(message.Recipient));
        return TypedResults.Accepted($"/messages/{message.Id}", MessageView.From(message));
    }

    private async Task<Step<StagedMedia?>> StageAsync(SendCommand command, MessageId id, CancellationToken cancellationToken)
    {
        if (command.Media is not { } reference)
            return (StagedMedia?)null;
        try
        {
            return await media.StageAsync(reference, command.MediaType, id, cancellationToken, scheduled: command.SendAt is not null);
        }
        catch (MediaException ex)
        {
            LogMediaRefused(id.Value, ex.Status, ex.Message);
            return Problems.Field(ex.Status, ex.Title, ex.Field, ex.Message);
        }
    }

    [LoggerMessage(LogLevel.Information, "Accepted {Type} message {MessageId} from session {Session} to {Recipient}")]
    private partial void LogAccepted(string type, string messageId, string session, string recipient);

    [LoggerMessage(LogLevel.Information, "Media for message {MessageId} refused ({Status}): {Reason}")]
    private partial void LogMediaRefused(string messageId, int status, string reason);
}
