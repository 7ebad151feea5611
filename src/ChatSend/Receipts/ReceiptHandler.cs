using System.Diagnostics;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Queues;
using ChatSend.Send;
using ChatSend.Storage;
using ChatSend.Telemetry;
using Microsoft.Extensions.Logging;

namespace ChatSend.Receipts;

/// <summary>Applies a receipt to its message row, forward only (a late <c>delivered</c> never overwrites <c>read</c>).</summary>
public sealed partial class ReceiptHandler(MessageStore messages, ReceiptQueue receipts, ProviderMessageIndex index, SandboxEcho echoes, Chats.ChatWindows windows,
    TimeProvider time, ILogger<ReceiptHandler> logger)
    : QueueHandler<Receipt>(logger)
{
    public override async Task HandleAsync(Receipt receipt, CancellationToken cancellationToken)
    {
        ChatSendTelemetry.RecordQueueAge(StorageNames.ReceiptsQueue, receipt.VisibleAt, time.GetUtcNow());
        if (receipt.IsEcho)
        {
            await echoes.AnswerAsync(receipt, cancellationToken); // the sandbox's recipient answers: a customer's message
            return;
        }
        using var span = new ReceiptSpan(receipt);
        // Applying is idempotent, so when queueing the next report fails and this one is retried, nothing doubles.
        if (await ApplyAsync(receipt, span, cancellationToken) is not null && receipt.Next is { } next)
        {
            span.MakeCurrent(); // the next report's put belongs to this message's trace too
            await receipts.EnqueueAsync(receipt with { Status = next, At = null, Next = null, NextAfter = null, VisibleAt = null },
                receipt.NextAfter, cancellationToken);
        }
    }

    public async Task<MessageEntity?> ApplyAsync(Receipt receipt, CancellationToken cancellationToken = default)
    {
        using var span = new ReceiptSpan(receipt);
        return await ApplyAsync(receipt, span, cancellationToken);
    }

    private async Task<MessageEntity?> ApplyAsync(Receipt receipt, ReceiptSpan span, CancellationToken cancellationToken)
    {
        // A provider's id is looked up for the session that verified the callback: a callback verified by one session's
        // secret finds only that session's messages, so another session's id is as unknown to it as any other.
        if ((receipt.Id ?? (receipt.Session is { } named ? await index.FindAsync(receipt.Provider!, named, receipt.ProviderMessageId!, cancellationToken) : null))
            is not { } id)
        {
            ChatSendTelemetry.UnknownProviderIds.Add(1);
            LogUnknown(receipt.Status.ToWire(), receipt.Provider, receipt.Session);
            return null;
        }
        var moved = false;
        var row = await messages.UpdateAsync(id, m =>
        {
            span.Start(m); // a receipt comes without a trace: it joins the one its message was sent in
            moved = m.Advance(receipt.Status, receipt.At ?? time.GetUtcNow(), receipt.Reason);
            if (moved && m.ProviderMessageId is null && receipt.ProviderMessageId is not null)
                m.ProviderMessageId = receipt.ProviderMessageId;
            return moved ? MarkerChange.Keep : null;
        }, cancellationToken);
        span.Applied(moved);

        // Also when an earlier try failed the message but not the close (a storage fault): closing is idempotent.
        if (receipt.ClosesWindow && row is { Status: var status } && status == MessageStatus.Failed.ToWire())
            await windows.CloseAsync(row.PartitionKey, row.ChatOrRecipient, receipt.At ?? time.GetUtcNow(), cancellationToken);
        if (row is null)
            LogMissing(receipt.Status.ToWire(), id.Value);
        else if (moved)
            LogMoved(row.Id, Recipient.Mask(row.Recipient), row.Status);
        else
            LogIgnored(receipt.Status.ToWire(), row.Id, row.Status);
        return row;
    }

    [LoggerMessage(LogLevel.Information, "Receipt {Status} from {Provider} for session {Session}: a provider id no message has; acknowledged")]
    private partial void LogUnknown(string status, string? provider, string? session);

    [LoggerMessage(LogLevel.Warning, "Receipt {Status} for unknown message {MessageId} dropped")]
    private partial void LogMissing(string status, string messageId);

    [LoggerMessage(LogLevel.Information, "Message {MessageId} to {Recipient} is {Status}")]
    private partial void LogMoved(string messageId, string recipient, string status);

    [LoggerMessage(LogLevel.Debug, "Receipt {Status} for message {MessageId} ignored: it is already {Current}")]
    private partial void LogIgnored(string status, string messageId, string current);

    /// <summary>
    /// The receipt's span, started once the message row is read (the receipt itself has no trace) as a child of the
    /// send, and the counters of the statuses it moves a message to.
    /// </summary>
    private sealed class ReceiptSpan(Receipt receipt) : IDisposable
    {
        private Activity? _activity;
        private bool _started;

        public void Start(MessageEntity row)
        {
            if (_started)
                return;
            _started = true;
            _activity = ChatSendTelemetry.StartMessageHop(ChatSendTelemetry.Spans.Receipt, row.MessageId, row.Trace);
            _activity?.SetTag(ChatSendTelemetry.Tags.Status, receipt.Status.ToWire()).SetTag(ChatSendTelemetry.Tags.Provider, receipt.Provider);
        }

        public void Applied(bool moved)
        {
            _activity?.SetTag(ChatSendTelemetry.Tags.Outcome, moved ? "applied" : "ignored");
            if (!moved)
                return;
            switch (receipt.Status)
            {
                case MessageStatus.Delivered:
                    ChatSendTelemetry.Delivered.Add(1);
                    break;
                case MessageStatus.Read:
                    ChatSendTelemetry.Read.Add(1);
                    break;
                case MessageStatus.Failed:
                    ChatSendTelemetry.RecordFailed(FailureCategory.ProviderReported);
                    break;
            }
        }

        public void MakeCurrent()
        {
            if (_activity is not null)
                Activity.Current = _activity;
        }

        public void Dispose() => _activity?.Dispose();
    }
}
