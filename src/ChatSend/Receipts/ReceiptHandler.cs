using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Send;
using Microsoft.Extensions.Logging;

namespace ChatSend.Receipts;

/// <summary>Applies a receipt to its message row, forward only (a late <c>delivered</c> never overwrites <c>read</c>).</summary>
public sealed class ReceiptHandler(MessageStore messages, ReceiptQueue receipts, TimeProvider time, ILogger<ReceiptHandler> logger)
    : QueueHandler<Receipt>(logger)
{
    public override async Task HandleAsync(Receipt receipt, CancellationToken cancellationToken)
    {
        // Applying is idempotent, so when queueing the next report fails and this one is retried, nothing doubles.
        if (await ApplyAsync(receipt, cancellationToken) is not null && receipt.Next is { } next)
            await receipts.EnqueueAsync(receipt with { Status = next, At = null, Next = null, NextAfter = null },
                receipt.NextAfter, cancellationToken);
    }

    public async Task<MessageEntity?> ApplyAsync(Receipt receipt, CancellationToken cancellationToken = default)
    {
        var moved = false;
        var row = await messages.UpdateAsync(receipt.Id, m =>
        {
            moved = m.Advance(receipt.Status, receipt.At ?? time.GetUtcNow(), receipt.Reason);
            if (moved && m.ProviderMessageId is null && receipt.ProviderMessageId is not null)
                m.ProviderMessageId = receipt.ProviderMessageId;
            return moved ? MarkerChange.Keep : null;
        }, cancellationToken);

        if (row is null)
            logger.LogWarning("Receipt {Status} for unknown message {MessageId} dropped", receipt.Status.ToWire(), receipt.Id.Value);
        else if (moved)
            logger.LogInformation("Message {MessageId} to {Recipient} is {Status}", row.Id, Recipient.Mask(row.Recipient), row.Status);
        else
            logger.LogDebug("Receipt {Status} for message {MessageId} ignored: it is already {Current}", receipt.Status.ToWire(), row.Id, row.Status);
        return row;
    }
}
