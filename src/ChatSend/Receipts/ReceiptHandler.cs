using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Queues;
using ChatSend.Send;
using Microsoft.Extensions.Logging;

namespace ChatSend.Receipts;

/// <summary>Applies a receipt to its message row, forward only (a late <c>delivered</c> never overwrites <c>read</c>).</summary>
public sealed class ReceiptHandler(MessageStore messages, ReceiptQueue receipts, ProviderMessageIndex index, TimeProvider time,
    ILogger<ReceiptHandler> logger)
    : QueueHandler<Receipt>(logger)
{
    /// <summary>Receipts for provider ids no message has (another system's messages, or ones long gone): acknowledged, counted.</summary>
    public static readonly System.Diagnostics.Metrics.Counter<long> UnknownProviderIds =
        Delivery.DeliveryMetrics.Meter.CreateCounter<long>("chatsend.receipts.unknown_provider_ids");

    public override async Task HandleAsync(Receipt receipt, CancellationToken cancellationToken)
    {
        // Applying is idempotent, so when queueing the next report fails and this one is retried, nothing doubles.
        if (await ApplyAsync(receipt, cancellationToken) is not null && receipt.Next is { } next)
            await receipts.EnqueueAsync(receipt with { Status = next, At = null, Next = null, NextAfter = null },
                receipt.NextAfter, cancellationToken);
    }

    public async Task<MessageEntity?> ApplyAsync(Receipt receipt, CancellationToken cancellationToken = default)
    {
        if ((receipt.Id ?? await index.FindAsync(receipt.Provider!, receipt.ProviderMessageId!, cancellationToken)) is not { } id)
        {
            UnknownProviderIds.Add(1);
            logger.LogInformation("Receipt {Status} from {Provider} for a provider id no message has; acknowledged", receipt.Status.ToWire(), receipt.Provider);
            return null;
        }
        var moved = false;
        var row = await messages.UpdateAsync(id, m =>
        {
            moved = m.Advance(receipt.Status, receipt.At ?? time.GetUtcNow(), receipt.Reason);
            if (moved && m.ProviderMessageId is null && receipt.ProviderMessageId is not null)
                m.ProviderMessageId = receipt.ProviderMessageId;
            return moved ? MarkerChange.Keep : null;
        }, cancellationToken);

        if (row is null)
            logger.LogWarning("Receipt {Status} for unknown message {MessageId} dropped", receipt.Status.ToWire(), id.Value);
        else if (moved)
            logger.LogInformation("Message {MessageId} to {Recipient} is {Status}", row.Id, Recipient.Mask(row.Recipient), row.Status);
        else
            logger.LogDebug("Receipt {Status} for message {MessageId} ignored: it is already {Current}", receipt.Status.ToWire(), row.Id, row.Status);
        return row;
    }
}
