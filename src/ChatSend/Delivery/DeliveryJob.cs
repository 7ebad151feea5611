using System.Text.Json;
using Azure.Storage.Queues;
using ChatSend.Messages;
using ChatSend.Storage;

namespace ChatSend.Delivery;

/// <summary>A queue job: deliver message <see cref="Id"/>; <see cref="Attempt"/> counts provider attempts.</summary>
public sealed record DeliveryJob(string Id, int Attempt = 1)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DeliveryJob? Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<DeliveryJob>(body, Json) is { } job && MessageId.TryParse(job.Id, out _) && job.Attempt >= 1
                ? job
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Puts delivery jobs on the deliveries queue (Base64 text, as the Functions queue trigger expects).</summary>
public sealed class DeliveryQueue(StorageClients storage)
{
    private readonly QueueClient _queue = storage.Queue(StorageNames.DeliveriesQueue);

    public async Task<(string MessageId, string PopReceipt)> EnqueueAsync(DeliveryJob job, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var receipt = await _queue.SendMessageAsync(job.ToJson(), delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
        return (receipt.Value.MessageId, receipt.Value.PopReceipt);
    }
}
