using ChatSend.Receipts;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>One delivery/read receipt from the receipts queue, applied to its message.</summary>
public sealed class ApplyReceipt(ReceiptHandler handler)
{
    [Function(QueueEndpoints.ApplyReceipt)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.ReceiptsQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
