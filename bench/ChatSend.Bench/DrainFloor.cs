using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ChatSend.Delivery;
using ChatSend.Host.Queues;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Extensions.Configuration;

namespace ChatSend.Bench;

/// <summary>
/// The least a drain can do per message, with the same clients and the same parallelism as the local host's listeners
/// (host.json's batch size, a new batch when in-flight work falls to its threshold): receive a batch, and for each
/// job point-read the row, wait for the provider, write the row <c>sent</c> under its ETag, delete the job.
/// With <paramref name="productWrites"/> it makes the entity writes the local host makes instead of the read and the
/// write, in as many calls: the claim (a merge), then one transaction that records <c>sent</c>, removes the marker and
/// adds the provider-id entry. Azurite finds every entity by scanning its table, so its time per message grows with
/// the entities a message touches, which that floor matches.
/// </summary>
internal sealed class DrainFloor(StorageClients storage, TimeSpan providerDelay, bool productWrites = false)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);
    private readonly QueueClient _queue = storage.Queue(StorageNames.DeliveriesQueue);
    private readonly QueueListenerOptions _options = HostJsonQueueOptions();

    /// <summary>Takes <paramref name="count"/> jobs (no more, so the next call finds the rest) and returns once each was handled.</summary>
    public async Task DrainAsync(int count)
    {
        var inFlight = new HashSet<Task>();
        for (var received = 0; received < count;)
        {
            inFlight.RemoveWhere(t => t.IsCompleted);
            if (inFlight.Count > (_options.NewBatchThreshold ?? _options.BatchSize / 2))
            {
                await Task.WhenAny(inFlight);
                continue;
            }
            var batch = (await _queue.ReceiveMessagesAsync(Math.Min(_options.BatchSize, count - received), Lease)).Value;
            if (batch.Length == 0)
                await Task.Delay(100);
            foreach (var message in batch)
                inFlight.Add(HandleAsync(message));
            received += batch.Length;
        }
        await Task.WhenAll(inFlight);
    }

    private async Task HandleAsync(QueueMessage message)
    {
        if (!QueueMessages.TryRead<DeliveryJob>(message.Body.ToString(), out var job))
            throw new InvalidOperationException("not a delivery job: " + message.Body);
        if (productWrites)
            await ClaimSendRecordAsync(job.Id);
        else
        {
            var row = (await _table.GetEntityAsync<MessageEntity>(job.Id.PartitionKey, job.Id.RowKey)).Value;
            await WaitForProviderAsync();
            row.Advance(MessageStatus.Sent, DateTimeOffset.UtcNow);
            await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        }
        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
    }

    private async Task ClaimSendRecordAsync(MessageId id)
    {
        var claim = new TableEntity(id.PartitionKey, id.RowKey) { ["ClaimId"] = Guid.NewGuid().ToString("N"), ["Attempts"] = 1 };
        var claimed = await _table.UpdateEntityAsync(claim, ETag.All, TableUpdateMode.Merge);
        await WaitForProviderAsync();
        var providerId = "wamid." + Guid.NewGuid().ToString("N");
        await _table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.UpdateMerge, new TableEntity(id.PartitionKey, id.RowKey)
                { ["Status"] = MessageStatus.Sent.ToWire(), ["ProviderMessageId"] = providerId, ["ClaimId"] = null }, claimed.Headers.ETag ?? ETag.All),
            new(TableTransactionActionType.Delete, new TableEntity(id.PartitionKey, MessageRowKeys.MarkerOf(id)), ETag.All),
            new(TableTransactionActionType.UpsertReplace, new TableEntity(id.PartitionKey, MessageRowKeys.ProviderIdOf("bench", providerId))
                { ["Message"] = id.RowKey }),
        ]);
    }

    private async Task WaitForProviderAsync()
    {
        if (providerDelay > TimeSpan.Zero)
            await Task.Delay(providerDelay);
    }

    private static QueueListenerOptions HostJsonQueueOptions() =>
        new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "host.json")).Build()
            .GetSection(QueueListenerServiceCollectionExtensions.HostJsonQueuesSection).Get<QueueListenerOptions>()
        ?? throw new InvalidOperationException("host.json has no extensions:queues section");
}
