using System.Net;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using ChatSend.Host;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// <c>ChatSend:Queues:Shards</c> through the running local host: with four, the work of many messages spreads evenly
/// over each work queue's four shards, so each takes about a quarter of the calls one queue took, and every message is
/// read as with one; the host listens to the shards in use and to none beyond; and a count out of range stops the host.
/// </summary>
public sealed partial class QueueShardsTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    private const string ShardsSetting = QueuesOptions.Section + ":" + nameof(QueuesOptions.Shards);

    [Fact]
    public async Task WithFourShardsEachShardTakesAQuarterOfItsQueuesCallsAndEveryMessageIsRead()
    {
        const int sends = 1000;
        var workQueues = StorageNames.QueuesFor(4).Where(q => !q.EndsWith(StorageNames.PoisonSuffix, StringComparison.Ordinal)).ToList();
        foreach (var queue in workQueues) // the other tests' jobs (a scheduled message's, hidden for an hour) are not these
            await azurite.Clients.Queue(queue).ClearMessagesAsync();
        var calls = new StorageFaults();
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            [ShardsSetting] = "4",
            ["ChatSend:Sandbox:DeliveredAfter"] = "00:00:00",
            ["ChatSend:Sandbox:ReadAfter"] = "00:00:00",
        }, services => services.AddSingleton(new StoragePipelinePolicy(calls)));
        var (session, key) = await app.NewSessionAsync();

        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, sends).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                // Not in the chat's order: every send queues its job at once (an ordered one waits for the one before).
                using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/send", key,
                    $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"spread me","ordered":false}"""));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
            finally
            {
                gate.Release();
            }
        }));
        var table = azurite.Clients.Table(StorageNames.MessagesTable); // not the app's clients: these reads are not counted
        await Eventually.MatchesAsync(
            async () => await table.QueryAsync<MessageEntity>(MessageRowKeys.Messages.Filter(session.Id), select: ["Status"])
                .CountAsync(m => m.CurrentStatus == MessageStatus.Read),
            read => read == sends, TimeSpan.FromMinutes(3));
        // The last receipts' deletes land after their rows read read: wait until every shard's queue is empty (its count
        // includes the messages being handled). Not puts against deletes: on a busy machine a job whose visibility ran
        // out is taken twice and deleted twice, once in vain.
        await Eventually.MatchesAsync(async () =>
        {
            var left = 0;
            foreach (var queue in workQueues)
                left += (await azurite.Clients.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
            return left;
        }, left => left == 0, TimeSpan.FromMinutes(1));

        var perQueue = PerQueue(calls);
        foreach (var (queue, least) in new[] { (StorageNames.DeliveriesQueue, 2 * sends), (StorageNames.ReceiptsQueue, 4 * sends) })
        {
            // One queue took every put and delete of these messages (at least a put and a delete per job and receipt);
            // here each of the four shards takes a quarter of them, within 25 % (the spread is by the ids' hash).
            var shards = Enumerable.Range(0, 4).Select(k => perQueue.GetValueOrDefault(StorageNames.Shard(queue, k))).Select(c => c.Puts + c.Deletes).ToList();
            var total = shards.Sum();
            output.WriteLine($"{queue}: {total} puts and deletes for {sends} messages; per shard {string.Join(", ", shards)}");
            Assert.True(total >= least, $"{queue}: {total} calls for {sends} messages");
            Assert.All(shards, calls => Assert.InRange(calls, total / 4 * 0.75, total / 4 * 1.25));
        }
    }

    [Fact]
    public async Task TheHostListensToEveryShardInUseAndToNoneBeyond()
    {
        var calls = new StorageFaults();
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { [ShardsSetting] = "2" },
            services => services.AddSingleton(new StoragePipelinePolicy(calls)));

        // Every listener of shards 0 and 1 polls at once and again within the tests' 200 ms at most; by their third polls
        // the listeners of shards 2 and 3, were there any, would have polled too.
        var listened = QueueEndpoints.Active(2).Select(e => e.Queue).ToList();
        await Eventually.MatchesAsync(() => Task.FromResult(calls.Calls.ToList()),
            made => listened.All(queue => made.Count(c => c == $"GET {queue}/messages") >= 3));

        var beyond = QueueEndpoints.All.Where(e => e.Shard >= 2).Select(e => e.Queue).ToHashSet();
        Assert.DoesNotContain(calls.Calls, c => QueueOf(c) is { } queue && beyond.Contains(queue));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AJobPoisonedOnAnyShardEndsItsMessageFailedThroughThatShardsPoisonQueue(int shard)
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { [ShardsSetting] = "4" });
        var (session, key) = await app.NewSessionAsync();
        using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"later","sendAt":"{{DateTimeOffset.UtcNow.AddHours(1):O}}"}"""));
        var id = MessageId.Parse((await Json.ReadAsync(response)).Str("id"));

        // As the listener of that shard leaves a job that failed on every dequeue (whichever shard its id picks).
        await azurite.Clients.Queue(StorageNames.Shard(StorageNames.DeliveriesQueue, shard) + StorageNames.PoisonSuffix)
            .SendMessageAsync(QueueMessages.Serialize(new ChatSend.Delivery.DeliveryJob(id)));

        var store = app.Services.GetRequiredService<MessageStore>();
        var failed = await Eventually.MatchesAsync(() => store.FindAsync(id), m => m?.Status == "failed");
        Assert.Equal(ChatSend.Delivery.DeliveryFailedHandler.Reason, failed!.FailureReason);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5")]
    public async Task AShardCountOutsideOneToFourStopsTheHostNamingTheSetting(string shards)
    {
        await using var app = LocalHost.Create(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ChatSendStorage"] = azurite.ConnectionString,
                [ShardsSetting] = shards,
            }));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("ChatSend:Queues:Shards must be a whole number from 1 to 4", refused.Message);
    }

    /// <summary>Puts (<c>POST &lt;queue&gt;/messages</c>) and deletes (<c>DELETE &lt;queue&gt;/messages/&lt;id&gt;</c>) per queue.</summary>
    private static Dictionary<string, (int Puts, int Deletes)> PerQueue(StorageFaults calls)
    {
        var perQueue = new Dictionary<string, (int Puts, int Deletes)>();
        foreach (var call in calls.Calls)
            if (QueueCall().Match(call) is { Success: true } match)
            {
                var (puts, deletes) = perQueue.GetValueOrDefault(match.Groups["queue"].Value);
                perQueue[match.Groups["queue"].Value] = match.Groups["method"].Value == "POST" ? (puts + 1, deletes) : (puts, deletes + 1);
            }
        return perQueue;
    }

    private static string? QueueOf(string call) => AnyQueueCall().Match(call) is { Success: true } match ? match.Groups["queue"].Value : null;

    [GeneratedRegex("^(?<method>POST|DELETE) (?<queue>[a-z0-9-]+)/messages(/[^/]+)?$")]
    private static partial Regex QueueCall();

    [GeneratedRegex("^[A-Z]+ (?<queue>[a-z0-9-]+)(/messages.*)?$")]
    private static partial Regex AnyQueueCall();
}
