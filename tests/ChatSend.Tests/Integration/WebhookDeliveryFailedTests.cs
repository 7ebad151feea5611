using System.Text.Json;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>A webhook job that threw five times (storage down while it ran) is queued again while its retry window lasts.</summary>
public sealed class WebhookDeliveryFailedTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;
    private ShardedJobs Jobs => azurite.Jobs(StorageNames.WebhookDeliveriesQueue);

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        await Jobs.ClearAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static string Body(DateTimeOffset firstAttemptAt) => QueueMessages.Serialize(new WebhookDeliveryJob("s1", "wh_1",
        [JsonDocument.Parse("""{"specversion":"1.0","id":"msg_s1_1:queued"}""").RootElement], firstAttemptAt, 3));

    private Task<int> QueuedAsync() => Jobs.CountAsync();

    [Fact]
    public async Task APoisonedJobWithinItsWindowIsQueuedAgainAfterFiveMinutes()
    {
        await _services.Get<WebhookDeliveryFailedHandler>().HandleAsync(Body(_clock.GetUtcNow().AddHours(-1)), CancellationToken.None);

        Assert.Equal(1, await QueuedAsync());
        Assert.Empty(await Jobs.ReceiveAsync()); // hidden for the five minutes
    }

    [Fact]
    public async Task APoisonedJobPastItsWindowIsDroppedAndLoggedAsAnError()
    {
        await _services.Get<WebhookDeliveryFailedHandler>().HandleAsync(Body(_clock.GetUtcNow().AddHours(-24)), CancellationToken.None);

        Assert.Equal(0, await QueuedAsync());
        Assert.Contains(_services.Logs.Lines, l => l.StartsWith("Error") && l.Contains("msg_s1_1:queued") && l.Contains("dropped"));
    }
}
