using System.Text.Json;
using Azure.Storage.Queues;
using ChatSend.Messages;
using ChatSend.Storage;

namespace ChatSend.Receipts;

/// <summary>
/// A status report from a provider (delivered, read, failed). Providers' webhooks and the sandbox put these on the
/// receipts queue; <see cref="ReceiptHandler"/> applies them, so every status change takes the same path.
/// </summary>
public sealed record Receipt(string Id, string Status, DateTimeOffset? At = null, string? ProviderMessageId = null, string? Reason = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static Receipt? Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<Receipt>(body, Json) is { } r
                   && MessageId.TryParse(r.Id, out _)
                   && MessageStatuses.TryParse(r.Status, out var s) && s != MessageStatus.Queued
                ? r
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed class ReceiptQueue(StorageClients storage)
{
    private readonly QueueClient _queue = storage.Queue(StorageNames.ReceiptsQueue);

    public Task EnqueueAsync(Receipt receipt, TimeSpan? delay = null, CancellationToken cancellationToken = default) =>
        _queue.SendMessageAsync(receipt.ToJson(), delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
}
