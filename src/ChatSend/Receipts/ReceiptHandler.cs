using ChatSend.Messages;
using ChatSend.Send;
using Microsoft.Extensions.Logging;

namespace ChatSend.Receipts;

/// <summary>Applies a receipt to its message row, forward only (a late <c>delivered</c> never overwrites <c>read</c>).</summary>
public sealed class ReceiptHandler(MessageStore messages, TimeProvider time, ILogger<ReceiptHandler> logger)
{
    public async Task HandleAsync(string body, CancellationToken cancellationToken = default)
    {
        if (Receipt.Parse(body) is not { } receipt)
        {
            logger.LogError("Dropped a receipt that is not valid JSON of the receipt shape");
            return;
        }
        await ApplyAsync(receipt, cancellationToken);
    }

    public async Task<MessageEntity?> ApplyAsync(Receipt receipt, CancellationToken cancellationToken = default)
    {
        MessageId.TryParse(receipt.Id, out var id);
        MessageStatuses.TryParse(receipt.Status, out var status);
        var moved = false;
        var row = await messages.UpdateAsync(id, m =>
        {
            moved = m.Advance(status, receipt.At ?? time.GetUtcNow(), receipt.Reason);
            if (moved && m.ProviderMessageId is null && receipt.ProviderMessageId is not null)
                m.ProviderMessageId = receipt.ProviderMessageId;
            return moved;
        }, cancellationToken);

        if (row is null)
            logger.LogWarning("Receipt {Status} for unknown message {MessageId} dropped", receipt.Status, receipt.Id);
        else if (moved)
            logger.LogInformation("Message {MessageId} to {Recipient} is {Status}", row.Id, Recipient.Mask(row.Recipient), row.Status);
        else
            logger.LogDebug("Receipt {Status} for message {MessageId} ignored: it is already {Current}", receipt.Status, row.Id, row.Status);
        return row;
    }
}
