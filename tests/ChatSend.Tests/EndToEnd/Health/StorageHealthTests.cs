using System.Net;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd.Health;

/// <summary>
/// <c>/health/live</c> and <c>/health/ready</c> on the local host over this class's Azurite, with the ready cache off
/// so each probe sees storage as it is now. Queue listeners are off: they would recreate what a test deletes.
/// </summary>
public sealed class StorageHealthTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestApp _app = null!;

    public static Dictionary<string, string?> Settings(string? storage = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ChatSend:Health:CacheFor"] = "00:00:00",
            [ChatSend.Host.LocalHost.QueueListenersSetting] = "false",
        };
        if (storage is not null)
            settings["ChatSendStorage"] = storage;
        return settings;
    }

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, Settings());

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task ReadyIsHealthyOnSeededStorageAndNeedsNoKey()
    {
        var (status, body) = await HealthProbes.GetAsync(_app.Http, "/health/ready");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.Str("status"));
        Assert.Equal(["secrets", "storage"], body.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
        Assert.Equal("Healthy", body.Check("storage").Str("status"));
    }

    [Fact]
    public async Task LiveIsHealthyAndRunsNoStorageCheck()
    {
        var (status, body) = await HealthProbes.GetAsync(_app.Http, "/health/live");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.Str("status"));
        Assert.Equal(["process"], body.GetProperty("checks").EnumerateObject().Select(c => c.Name));
    }

    [Fact]
    public async Task WithAzuriteStoppedReadyIs503NamingEachStorageServiceWhileLiveStays200()
    {
        foreach (var service in Enum.GetValues<AzuriteService>())
            await azurite.StopAsync(service);
        try
        {
            var (status, body) = await HealthProbes.GetAsync(_app.Http, "/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("Unhealthy", body.Str("status"));
            var storage = body.Check("storage");
            Assert.Equal("Unhealthy", storage.Str("status"));
            foreach (var service in new[] { "table storage unreachable", "queue storage unreachable", "blob storage unreachable" })
                Assert.Contains(service, storage.Description());

            var (liveStatus, live) = await HealthProbes.GetAsync(_app.Http, "/health/live");
            Assert.Equal((HttpStatusCode.OK, "Healthy"), (liveStatus, live.Str("status")));
        }
        finally
        {
            foreach (var service in Enum.GetValues<AzuriteService>())
                await azurite.StartAsync(service);
        }

        var (after, _) = await HealthProbes.GetAsync(_app.Http, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task ADeletedQueueOfAShardInUseMakesReady503NamingItAndOneOfAShardBeyondDoesNot()
    {
        var settings = Settings();
        settings["ChatSend:Queues:Shards"] = "2";
        await using var app = await TestApp.StartAsync(azurite, settings);
        string[] deleted = [StorageNames.Shard(StorageNames.ReceiptsQueue, 1), StorageNames.Shard(StorageNames.ReceiptsQueue, 3)];
        foreach (var queue in deleted)
            await azurite.Clients.Queue(queue).DeleteAsync();
        try
        {
            var (status, body) = await HealthProbes.GetAsync(app.Http, "/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("missing queue: 'receipts-1'", body.Check("storage").Description()); // shard 3 is not in use
        }
        finally
        {
            foreach (var queue in deleted)
                await azurite.RecreateQueueAsync(queue);
        }
    }

    [Fact]
    public async Task ADeletedQueueMakesReady503NamingItUntilItIsCreatedAgain()
    {
        await azurite.Clients.Queue(StorageNames.ReceiptsQueue).DeleteAsync();
        try
        {
            var (status, body) = await HealthProbes.GetAsync(_app.Http, "/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("missing queue: 'receipts'", body.Check("storage").Description());
            Assert.Equal("Healthy", body.Check("secrets").Str("status"));
        }
        finally
        {
            await azurite.RecreateQueueAsync(StorageNames.ReceiptsQueue);
        }

        var (after, _) = await HealthProbes.GetAsync(_app.Http, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task ADeletedTableMakesReady503NamingItUntilItIsCreatedAgain()
    {
        await azurite.Clients.Tables.DeleteTableAsync(StorageNames.PacingTable);
        try
        {
            var (status, body) = await HealthProbes.GetAsync(_app.Http, "/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("missing table: 'pacing'", body.Check("storage").Description());
        }
        finally
        {
            await azurite.Clients.Tables.CreateTableIfNotExistsAsync(StorageNames.PacingTable);
        }

        var (after, _) = await HealthProbes.GetAsync(_app.Http, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task AHostPointedAtAClosedPortIsLiveButNotReady()
    {
        using var port = new ClosedPort();
        var closed = azurite.ConnectionString.Split(';')
            .Select(part => part.Contains("Endpoint=http", StringComparison.Ordinal) ? part.Split('=')[0] + $"={port.BaseUrl}/devstoreaccount1" : part);
        await using var app = await TestApp.StartAsync(azurite, Settings(string.Join(';', closed)));

        var (status, body) = await HealthProbes.GetAsync(app.Http, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("unreachable (ConnectionRefused)", body.Check("storage").Description());
        Assert.Contains("sessions could not be read", body.Check("secrets").Description());

        var (liveStatus, _) = await HealthProbes.GetAsync(app.Http, "/health/live");
        Assert.Equal(HttpStatusCode.OK, liveStatus);
    }

    [Fact]
    public async Task ReadySharesOneAnswerForCacheForSoAProbeStormDoesNotReachStorage()
    {
        var settings = Settings();
        settings["ChatSend:Health:CacheFor"] = "00:05:00";
        await using var app = await TestApp.StartAsync(azurite, settings);
        var (first, _) = await HealthProbes.GetAsync(app.Http, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, first);

        await azurite.Clients.Queue(StorageNames.EventsQueue).DeleteAsync();
        try
        {
            var storm = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => HealthProbes.GetAsync(app.Http, "/health/ready")));
            Assert.All(storm, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        }
        finally
        {
            await azurite.RecreateQueueAsync(StorageNames.EventsQueue);
        }
    }
}
