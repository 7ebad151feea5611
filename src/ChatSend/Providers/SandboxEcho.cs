using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Receipts;
using ChatSend.Sessions;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers;

/// <summary>
/// The sandbox's pretend recipients answer: with <see cref="SandboxSettings.ReplyAfterSeconds"/> set, every message the
/// sandbox takes gets an echo from its recipient that many seconds later (<c>echo: &lt;text&gt;</c>, or the same file
/// with the caption echoed). The sandbox queues it on the receipts queue when it takes the send, as a receipt with status
/// <c>received</c> naming the sent message, hidden until then; so it survives the process, and a retried one records
/// once: its provider id is derived from the sandbox's id for the send and its time from the receipt's.
/// </summary>
public sealed partial class SandboxEcho(MessageStore messages, SessionStore sessions, InboundRecorder recorder, TimeProvider time,
    ILogger<SandboxEcho> logger)
{
    public const string Prefix = "echo: ";

    /// <summary>The receipt that brings the echo of <paramref name="sent"/>, the sandbox's send <paramref name="providerMessageId"/>.</summary>
    public static Receipt ReceiptFor(MessageId sent, string providerMessageId) =>
        new(sent, MessageStatus.Received, ProviderMessageId: providerMessageId);

    public async Task AnswerAsync(Receipt receipt, CancellationToken cancellationToken)
    {
        var sent = await messages.FindAsync(receipt.Id!.Value, cancellationToken);
        var session = sent is null ? null : await sessions.FindAsync(sent.Session, cancellationToken);
        if (sent is null || session is not { Provider: SandboxProvider.ProviderName })
        {
            LogNoEcho(receipt.Id.Value.Value);
            return;
        }
        var report = new InboundReport(session.Id, $"echo-{receipt.ProviderMessageId ?? sent.Id}", receipt.VisibleAt ?? time.GetUtcNow(),
            sent.Recipient, sent.Recipient, sent.MessageType, sent.Text is { Length: > 0 } text ? Prefix + text : null)
        {
            Media = sent.MediaBlob is { } blob ? new SandboxMediaReference(Blob: blob, MimeType: sent.MimeType, FileName: sent.FileName).ToJson() : null,
        };
        var (echo, recorded) = await recorder.RecordAsync(session, SandboxProvider.ProviderName, report, cancellationToken);
        if (recorded)
            LogEchoed(sent.Id, echo.Id);
    }

    [LoggerMessage(LogLevel.Information, "Sandbox recipient of message {MessageId} answered it: message {EchoId}")]
    private partial void LogEchoed(string messageId, string echoId);

    [LoggerMessage(LogLevel.Information, "No echo for message {MessageId}: it, or its sandbox session, is gone")]
    private partial void LogNoEcho(string messageId);
}
