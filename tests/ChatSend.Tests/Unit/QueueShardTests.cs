using System.Text.Json.Nodes;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace ChatSend.Tests.Unit;

/// <summary>How a job's key picks its queue shard, and the names of each shard's queues and functions.</summary>
public class QueueShardTests
{
    // Worked out once, by hand from the hash's definition: every instance, process and restart puts a key's job on the
    // same shard, so a key's jobs never scatter when a host restarts.
    [Theory]
    [InlineData("msg_s1_f7a5b2c3d4e5f6a7abcdefghij", 4, 1)]
    [InlineData("msg_s1_f7a5b2c3d4e5f6a7abcdefghik", 4, 3)]
    [InlineData("msg_s1_f7a5b2c3d4e5f6a7abcdefghil", 4, 2)]
    [InlineData("msg_s1_f7a5b2c3d4e5f6a7abcdefghik", 2, 1)]
    [InlineData("wamid.HBgLMTIwMjU1NTAxMjM", 4, 1)]
    [InlineData("", 4, 2)]
    [InlineData("msg_s1_f7a5b2c3d4e5f6a7abcdefghik", 1, 0)]
    public void AKeysShardIsTheSameInEveryProcess(string key, int shards, int shard) =>
        Assert.Equal(shard, QueueShards.ShardOf(key, shards));

    [Fact]
    public void MessageIdsSpreadEvenlyOverFourShards()
    {
        var random = new Random(21); // fixed: the spread of these ids is a fact, not a chance
        var counts = new int[4];
        for (var i = 0; i < 40_000; i++)
        {
            var suffix = new string(Enumerable.Range(0, 10).Select(_ => "abcdefghijklmnopqrstuvwxyz234567"[random.Next(32)]).ToArray());
            var id = new MessageId("s" + random.Next(100), MessageId.TimePrefix(DateTimeOffset.UnixEpoch.AddSeconds(random.Next())) + suffix);
            counts[QueueShards.ShardOf(id.Value, 4)]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 9_700, 10_300)); // a quarter each, within 3 %
    }

    [Fact]
    public void ShardZeroKeepsTheQueuesAndFunctionsNamesFromBeforeShards()
    {
        Assert.Equal(StorageNames.Queues, StorageNames.QueuesFor(1));
        Assert.Equal(["deliveries", "deliveries-1", "deliveries-2", "deliveries-3"], Enumerable.Range(0, 4).Select(k => StorageNames.Shard(StorageNames.DeliveriesQueue, k)));
        Assert.Subset(StorageNames.QueuesFor(4).ToHashSet(), new HashSet<string> { "receipts-1", "receipts-1-poison", "webhook-deliveries-3", "webhook-deliveries-3-poison" });
        Assert.DoesNotContain("receipts-3", StorageNames.QueuesFor(3));
        Assert.Equal(8 * 4, StorageNames.QueuesFor(4).Distinct().Count());

        Assert.Equal(["Deliver", "DeliveryFailed", "ApplyReceipt", "DispatchEvents", "DeliverWebhook", "WebhookDeliveryFailed"],
            QueueEndpoints.Active(1).Select(e => e.Name));
        Assert.Equal(["deliveries-1", "deliveries-1-poison"],
            QueueEndpoints.Active(2).Where(e => e.Shard == 1 && e.Queue.StartsWith("deliveries", StringComparison.Ordinal)).Select(e => e.Queue));
        Assert.Equal(6 * 4, QueueEndpoints.Active(4).Count());
    }

    [Fact]
    public void TheFunctionsAppRefusesAShardCountWhoseFunctionsItsSettingsDisable()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobs.Deliver1.Disabled"] = "true",
            ["AzureWebJobs_ApplyReceipt1_Disabled"] = "1", // as Linux passes the setting on
            ["AzureWebJobs.DispatchEvents1.Disabled"] = "false",
            ["AzureWebJobs.Deliver2.Disabled"] = "true", // beyond two shards: off, as it should be
        }).Build();

        var refused = new QueueShardFunctionsCheck(settings).Validate(null, new QueuesOptions { Shards = 2 });

        Assert.True(refused.Failed);
        Assert.StartsWith("ChatSend:Queues:Shards is 2, but the app settings disable Deliver1, ApplyReceipt1 (", refused.FailureMessage);
        Assert.True(new QueueShardFunctionsCheck(settings).Validate(null, new QueuesOptions { Shards = 1 }).Succeeded);
    }

    [Fact]
    public void TheLocalSettingsSampleRunsOneShardAndRaisingOnlyTheCountThereIsRefused()
    {
        var values = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject();
        var settings = new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value?.ToString()))).Build();
        var check = new QueueShardFunctionsCheck(settings);

        Assert.True(check.Validate(null, new QueuesOptions { Shards = int.Parse((string)values["ChatSend__Queues__Shards"]!) }).Succeeded);
        Assert.True(check.Validate(null, new QueuesOptions { Shards = 4 }).Failed);
    }
}
