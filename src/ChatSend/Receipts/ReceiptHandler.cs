using System.Diagnostics;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Queues;
using ChatSend.Send;
using ChatSend.Storage;
using ChatSend.Telemetry;
using Microsoft.Extensions.Logging;

namespace ChatSend.Receipts;

/// <summary>
/// Applies a receipt to its message row, forward only (a late <c>delivered</c> never overwrites <c>read</c>). A provider's
/// receipt names the provider's id, whose entry is written with the <c>sent</c> of its message
/// (<see cref="ProviderMessageIndex"/>); a fast provider's callback can come before that write lands, so a receipt whose id
/// names no message yet goes back on the queue, after <see cref="FirstNotFoundRetry"/>, then twice as long each time, for
/// <see cref="MaxNotFoundRetries"/> times (1 + 2 + … + 64 s, about two minutes), and only then is dropped as unknown. An id no
/// message will ever have (a message sent through the same number by something else) costs that many lookups and puts.
/// </summary>
public sealed partial class ReceiptHandler(MessageStore messages, ReceiptQueue receipts, ProviderMessageIndex index, SandboxEcho echoes, Chats.ChatWindows windows,
    TimeProvider time, ILogger<ReceiptHandler> logger)
    : QueueHandler<Receipt>(logger)
{
    public static readonly TimeSpan FirstNotFoundRetry = TimeSpan.FromSeconds(1);
    public const int MaxNotFoundRetries = 7;

    public override async Task HandleAsync(Receipt receipt, CancellationToken cancellationToken)
    {
        ChatSendTelemetry.RecordQueueAge(StorageNames.ReceiptsQueue, receipt.VisibleAt, time.GetUtcNow());
        if (receipt.IsEcho)
        {
            await echoes.AnswerAsync(receipt, cancellationToken); // the sandbox's recipient answers: a customer's message
            return;
        }
        if (await FindAsync(receipt, cancellationToken) is not { } id)
        {
            await NotFoundAsync(receipt, cancellationToken);
            return;
        }
        using var span = new ReceiptSpan(receipt);
        // Applying is idempotent, so when queueing the next report fails and this one is retried, nothing doubles.
        if (await ApplyAsync(receipt, id, span, cancellationToken) is not null && receipt.Next is { } next)
        {
            span.MakeCurrent(); // the next report's put belongs to this message's trace too
            await receipts.EnqueueAsync(receipt with { Status = next, At = null, Next = null, NextAfter = null, VisibleAt = null },
                receipt.NextAfter, cancellationToken);
        }
    }

    /// <summary>Applies the receipt now, once: null when it names no message of its session (logged and counted as unknown) or the row is gone.</summary>
    public async Task<MessageEntity?> ApplyAsync(Receipt receipt, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(receipt, cancellationToken) is not { } id)
        {
            Unknown(receipt);
            return null;
        }
        using var span = new ReceiptSpan(receipt);
        return await ApplyAsync(receipt, id, span, cancellationToken);
    }

    /// <summary>
    /// The message the receipt names: its id, or the provider's id looked up for the session that verified the callback. A
    /// callback verified by one session's secret finds only that session's messages, so another session's id is as unknown
    /// to it as any other. The table earlier versions wrote entries to is read on the first lookup and on the last (for a
    /// send an instance of the earlier version recorded meanwhile, during an upgrade). In a session with several partitions
    /// (the receipt carries how many) the partition of the chat the provider named is read first (<see cref="ProviderMessageIndex"/>).
    /// </summary>
    private async Task<MessageId?> FindAsync(Receipt receipt, CancellationToken cancellationToken)
    {
        if (receipt.Id is { } id)
            return id;
        if (receipt.Session is not { } session)
            return null;
        var tries = receipt.NotFoundTries ?? 0;
        return await index.FindAsync(receipt.Provider!, session, receipt.Partitions ?? 1, receipt.ProviderMessageId!, receipt.Chat,
            earlierEntries: tries == 0 || tries >= MaxNotFoundRetries, cancellationToken);
    }

    /// <summary>Back on the queue while its message may still be recording <c>sent</c>; dropped as unknown after that.</summary>
    private async Task NotFoundAsync(Receipt receipt, CancellationToken cancellationToken)
    {
        var tries = receipt.NotFoundTries ?? 0;
        if (tries >= MaxNotFoundRetries || receipt.Session is null)
        {
            Unknown(receipt);
            return;
        }
        var delay = FirstNotFoundRetry * (1 << tries);
        await receipts.EnqueueAsync(receipt with { NotFoundTries = tries + 1, VisibleAt = null }, delay, cancellationToken);
        LogNotFoundYet(receipt.Status.ToWire(), receipt.Provider, receipt.Session, delay);
    }

    private void Unknown(Receipt receipt)
    {
        ChatSendTelemetry.UnknownProviderIds.Add(1);
        LogUnknown(receipt.Status.ToWire(), receipt.Provider, receipt.Session);
    }

    private async Task<MessageEntity?> ApplyAsync(Receipt receipt, MessageId id, ReceiptSpan span, CancellationToken cancellationToken)
    {
        var moved = false;
        var row = await messages.UpdateAsync(id, m =>
        {
            if (m.IsInbound)
                return null; // a provider's id in the session's partition can name a customer's message: not one a receipt moves
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

    [LoggerMessage(LogLevel.Debug, "Receipt {Status} from {Provider} for session {Session}: a provider id no message has yet; tried again in {Delay}")]
    private partial void LogNotFoundYet(string status, string? provider, string? session, TimeSpan delay);

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
