using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Integration;

/// <summary>The webhooklog table on Azurite: newest first, bounded, one endpoint's log apart from another's.</summary>
public sealed class WebhookLogTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, new Dictionary<string, string?> { ["ChatSend:Webhooks:LogSize"] = "5" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static string NewSession() => "t" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task RecentAttemptsComeNewestFirstAndTheLogKeepsOnlyTheConfiguredNumber()
    {
        var log = _services.Get<WebhookLog>();
        var (session, id) = (NewSession(), WebhookEntity.NewId());
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 8; i++)
            await log.AddAsync(session, id, new WebhookAttempt(start.AddSeconds(i), $"e{i}", 200 + i, i, null), CancellationToken.None);

        var recent = await log.RecentAsync(session, id, 100, CancellationToken.None);

        Assert.Equal(["e7", "e6", "e5", "e4", "e3"], recent.Select(a => a.EventId));
        Assert.Equal((start.AddSeconds(7), 207, 7L), (recent[0].At, recent[0].Status, recent[0].LatencyMs));
        Assert.Equal(["e7", "e6"], (await log.RecentAsync(session, id, 2, CancellationToken.None)).Select(a => a.EventId));
    }

    [Fact]
    public async Task ABusyEndpointsStoredLogStaysWithinItsSizeAndATrimsWorthWhileAddsReadItOnlyEveryFewAttempts()
    {
        var log = _services.Get<WebhookLog>();
        var (session, id) = (NewSession(), WebhookEntity.NewId());
        var table = _services.Get<StorageClients>().Table(StorageNames.WebhookLogTable);
        var partition = WebhookLog.PartitionOf(session, id);
        var stored = new List<int>();
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 5 * WebhookLog.TrimEvery; i++)
        {
            await log.AddAsync(session, id, new WebhookAttempt(start.AddSeconds(i), $"e{i}", 200, 1, null), CancellationToken.None);
            stored.Add(await table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"]).CountAsync());
        }

        // LogSize is 5: the first add trims, then every eighth; in between the log grows by one an add.
        Assert.Equal(5 + WebhookLog.TrimEvery - 1, stored.Max());
        Assert.Equal(5, stored[^WebhookLog.TrimEvery]);
        Assert.Equal(["e39", "e38", "e37", "e36", "e35"], (await log.RecentAsync(session, id, 100, CancellationToken.None)).Select(a => a.EventId));
    }

    [Fact]
    public async Task AttemptsAtTheSameInstantAreAllKeptAndAnAnswerlessOneHasNoStatus()
    {
        var log = _services.Get<WebhookLog>();
        var (session, id) = (NewSession(), WebhookEntity.NewId());
        var at = DateTimeOffset.UtcNow;

        await log.AddAsync(session, id, new WebhookAttempt(at, "a", null, 10000, "timed out"), CancellationToken.None);
        await log.AddAsync(session, id, new WebhookAttempt(at, "b", null, 1, "refused"), CancellationToken.None);

        var recent = await log.RecentAsync(session, id, 5, CancellationToken.None);
        Assert.Equal(2, recent.Count);
        Assert.All(recent, a => Assert.Null(a.Status));
    }

    [Fact]
    public async Task ClearingOneEndpointsLogLeavesTheOthers()
    {
        var log = _services.Get<WebhookLog>();
        var session = NewSession();
        var (kept, cleared) = (WebhookEntity.NewId(), WebhookEntity.NewId());
        await log.AddAsync(session, kept, new WebhookAttempt(DateTimeOffset.UtcNow, "k", 200, 1, null), CancellationToken.None);
        await log.AddAsync(session, cleared, new WebhookAttempt(DateTimeOffset.UtcNow, "c", 200, 1, null), CancellationToken.None);

        await log.ClearAsync(session, cleared, CancellationToken.None);

        Assert.Single(await log.RecentAsync(session, kept, 5, CancellationToken.None));
        Assert.Empty(await log.RecentAsync(session, cleared, 5, CancellationToken.None));
    }

    [Fact]
    public async Task ClearingALogWhoseRowAnotherInstanceRemovedMeanwhileStillRemovesTheRest()
    {
        var (session, id) = (NewSession(), WebhookEntity.NewId());
        for (var i = 0; i < 3; i++)
            await _services.Get<WebhookLog>().AddAsync(session, id, new WebhookAttempt(DateTimeOffset.UtcNow, $"e{i}", 200, 1, null), CancellationToken.None);
        var table = azurite.Clients.Table(StorageNames.WebhookLogTable);
        var partition = WebhookLog.PartitionOf(session, id);
        var first = await table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"]).FirstAsync();
        // Another instance's trim takes one of the rows between this one's read of the log and its transaction.
        await using var other = new TestServices(azurite.ConnectionString,
            services: s => s.AddSingleton(new StoragePipelinePolicy(new BeforeFirstTransaction(() => table.DeleteEntityAsync(partition, first.RowKey)))));

        await other.Get<WebhookLog>().ClearAsync(session, id, CancellationToken.None);

        Assert.Equal(0, await table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"]).CountAsync());
    }

    /// <summary>Runs <paramref name="meanwhile"/> once, right before the first table transaction goes out.</summary>
    private sealed class BeforeFirstTransaction(Func<Task> meanwhile) : HttpPipelinePolicy
    {
        private int _ran;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) && Interlocked.Exchange(ref _ran, 1) == 0)
                await meanwhile();
            await ProcessNextAsync(message, pipeline);
        }
    }
}
