using ChatSend.Receipts;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>One delivery/read receipt from a shard of the receipts queue, applied to its message.</summary>
public sealed class ApplyReceipt(ReceiptHandler handler)
{
    [Function(QueueEndpoints.ApplyReceipt)]
    public Task RunAsync(
        [QueueTrigger(StorageNames.ReceiptsQueue, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.ApplyReceipt + "1")]
    public Task Run1Async(
        [QueueTrigger(StorageNames.ReceiptsQueue + StorageNames.Shard1, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.ApplyReceipt + "2")]
    public Task Run2Async(
        [QueueTrigger(StorageNames.ReceiptsQueue + StorageNames.Shard2, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);

    [Function(QueueEndpoints.ApplyReceipt + "3")]
    public Task Run3Async(
        [QueueTrigger(StorageNames.ReceiptsQueue + StorageNames.Shard3, Connection = StorageNames.Connection)] string body,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(body, cancellationToken);
}
