using System.Text.Json;
using ChatSend.Delivery;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Receipts;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;

namespace ChatSend.Tests.Integration;

/// <summary>
/// With four shards, each producer puts a job on the shard its key picks (<see cref="QueueShards.ShardOf"/>): a delivery
/// job, an events job and a webhook job by their message's id, a receipt by its message's id or, from a provider's
/// callback, the provider's id. Whoever queues a message's job again (a retry, the sweeper, a poison handler) goes
/// through the same producer, so it lands on the same shard.
/// </summary>
public sealed class QueueShardRoutingTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const int Shards = 4;
    private const int Jobs = 40;
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite, new Dictionary<string, string?> { ["ChatSend:Queues:Shards"] = Shards.ToString() });
        foreach (var queue in StorageNames.ShardedQueues)
            await new ShardedJobs(azurite.Clients, queue, Shards).ClearAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static List<MessageId> NewIds() => Enumerable.Range(0, Jobs).Select(_ => MessageId.New("s1", DateTimeOffset.UtcNow)).ToList();

    /// <summary>Every shard's jobs, by the key each was read back with; asserts each sits on the shard its key picks.</summary>
    private async Task AssertEachOnItsShardAsync(string queue, Func<string, string> keyOf, IEnumerable<string> keys)
    {
        var found = new List<string>();
        var shards = new ShardedJobs(azurite.Clients, queue, Shards).Shards;
        for (var shard = 0; shard < Shards; shard++)
            foreach (var message in (await shards[shard].PeekMessagesAsync(32)).Value)
            {
                var key = keyOf(message.Body.ToString());
                Assert.Equal(QueueShards.ShardOf(key, Shards), shard);
                found.Add(key);
            }
        Assert.Equal(keys.Order(), found.Order());
    }

    [Fact]
    public async Task DeliveryJobsGoToTheShardTheirMessageIdPicks()
    {
        var ids = NewIds();
        foreach (var id in ids)
            await _services.Get<DeliveryQueue>().EnqueueAsync(new DeliveryJob(id));

        await AssertEachOnItsShardAsync(StorageNames.DeliveriesQueue, Key<DeliveryJob>(j => j.Id.Value), ids.Select(i => i.Value));
    }

    [Fact]
    public async Task ReceiptsGoByTheirMessageIdOrForACallbackByTheProvidersId()
    {
        var ids = NewIds();
        var providerIds = Enumerable.Range(0, Jobs).Select(i => $"wamid.{Guid.NewGuid():N}").ToList();
        foreach (var id in ids)
            await _services.Get<ReceiptQueue>().EnqueueAsync(new Receipt(id, MessageStatus.Delivered));
        foreach (var providerId in providerIds)
            await _services.Get<ReceiptQueue>().EnqueueAsync(new Receipt(null, MessageStatus.Read, ProviderMessageId: providerId, Provider: "waha", Session: "s1"));

        await AssertEachOnItsShardAsync(StorageNames.ReceiptsQueue, Key<Receipt>(r => r.Id?.Value ?? r.ProviderMessageId!),
            ids.Select(i => i.Value).Concat(providerIds));
    }

    [Fact]
    public async Task EventsJobsGoByTheirMessageIdAndWebhookJobsByTheMessageOfTheirFirstEvent()
    {
        var ids = NewIds();
        foreach (var id in ids)
        {
            await _services.Get<EventOutbox>().EnqueueAsync(id, chat: null, CancellationToken.None);
            var cloudEvent = JsonDocument.Parse($$"""{"specversion":"1.0","id":"{{MessageEvents.IdOf(id, MessageStatus.Sent)}}"}""").RootElement;
            await _services.Get<WebhookDeliveryQueue>().EnqueueAsync(new WebhookDeliveryJob("s1", "wh_1", [cloudEvent], DateTimeOffset.UtcNow));
        }

        await AssertEachOnItsShardAsync(StorageNames.EventsQueue, Key<EventJob>(j => j.Id.Value), ids.Select(i => i.Value));
        await AssertEachOnItsShardAsync(StorageNames.WebhookDeliveriesQueue,
            Key<WebhookDeliveryJob>(j => WebhookDeliveryJob.IdOf(j.Events[0])!.Split(':')[0]), ids.Select(i => i.Value));
    }

    private static Func<string, string> Key<T>(Func<T, string> key) where T : class, IQueueMessage =>
        body => QueueMessages.TryRead<T>(body, out var message) ? key(message) : throw new InvalidOperationException("not a " + typeof(T).Name + ": " + body);
}
