using ChatSend.Delivery;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary><c>sendAt</c>: accepted now as <c>scheduled</c>, delivered at its time, even past the queue's seven-day limit.</summary>
public sealed class ScheduledMessageTests(Azurite azurite, MediaServer media) : IClassFixture<Azurite>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 4, 15, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32" }, _clock);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<MessageId> ScheduleAsync(string sendAt, string extra = "")
    {
        var (session, key) = await _services.NewSessionAsync();
        var (status, view, _) = await _services.SendAsync(key,
            $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"later","sendAt":"{{sendAt}}"{{extra}}}""");
        Assert.Equal(202, status);
        Assert.Equal((MessageStatus.Scheduled, sendAt.EndsWith('Z') ? sendAt.Replace("Z", ".000Z") : view!.SendAt), (view!.Status, view.SendAt));
        return MessageId.Parse(view.Id);
    }

    // Other tests' messages share this queue: count only this one's jobs (hidden ones included, so receive is no use).
    private async Task<int> JobsForAsync(MessageId id)
    {
        var jobs = 0;
        foreach (var m in await azurite.Jobs(StorageNames.DeliveriesQueue).ReceiveAsync(TimeSpan.FromSeconds(1)))
            jobs += m.Body.ToString().Contains(id.Value) ? 1 : 0;
        return jobs;
    }

    private Task HandleAsync(MessageId id) => _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);

    [Fact]
    public async Task AScheduledMessageIsNotSentBeforeItsTimeAndIsSentAfter()
    {
        var id = await ScheduleAsync("2026-04-15T12:00:00Z");

        await HandleAsync(id); // a job that comes early
        Assert.Equal(("scheduled", 0), ((await _services.Get<MessageStore>().FindAsync(id))!.Status, _services.Get<ScriptedProvider>().CallsFor(id.Value)));

        _clock.Advance(TimeSpan.FromHours(2));
        await HandleAsync(id);
        var row = await _services.Get<MessageStore>().FindAsync(id);
        Assert.Equal([MessageStatus.Scheduled, MessageStatus.Queued, MessageStatus.Sent], row!.GetHistory().Select(h => h.Status));
        Assert.Equal(Start.AddHours(2), row.GetHistory()[1].At);
    }

    [Fact]
    public async Task AWaitLongerThanTheQueueAllowsHopsAndTheSweeperCoversALostHop()
    {
        var id = await ScheduleAsync("2026-05-15T10:00:00+02:00"); // 30 days less 2 hours ahead
        Assert.DoesNotContain(_services.Logs.Lines, l => l.Contains(id.Value) && l.Contains("could not be queued")); // the put was capped, not refused

        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync(); // the hop is lost
        _clock.Advance(TimeSpan.FromDays(29));
        await _services.Get<Sweeper>().RunAsync();
        Assert.Equal(0, await JobsForAsync(id)); // its marker is due at sendAt, not before
        _clock.Advance(TimeSpan.FromDays(1));
        await _services.Get<Sweeper>().RunAsync();
        Assert.Equal(1, await JobsForAsync(id));
        await HandleAsync(id);

        Assert.Equal("sent", (await _services.Get<MessageStore>().FindAsync(id))!.Status);
    }

    [Fact]
    public async Task AJobForMoreThanSevenDaysAheadIsQueuedForSevenDays()
    {
        var queue = azurite.Jobs(StorageNames.DeliveriesQueue);
        await queue.ClearAsync();
        await _services.Get<DeliveryQueue>().EnqueueAsync(new DeliveryJob(MessageId.New("later", Start)), TimeSpan.FromDays(30));

        Assert.Equal(1, await queue.CountAsync());
        Assert.Empty(await queue.PeekAsync()); // there, and hidden
    }

    [Theory]
    [InlineData("2026-04-15T10:00:00Z", "at least 1 second ahead")]
    [InlineData("2026-05-20T10:00:01Z", "at most 35 days ahead")]
    [InlineData("2026-04-15T12:00:00", "with an offset")]
    [InlineData("tomorrow", "with an offset")]
    public async Task ASendAtOutOfRangeOrWithoutAnOffsetIsNamed(string sendAt, string message)
    {
        var (session, key) = await _services.NewSessionAsync();
        var (result, _) = await _services.SendRawAsync(key,
            $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"x","sendAt":"{{sendAt}}"}""");
        var problem = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(result);
        var errors = Assert.IsType<Microsoft.AspNetCore.Http.HttpValidationProblemDetails>(problem.ProblemDetails).Errors;
        Assert.Contains(message, Assert.Single(errors["sendAt"]));
    }

    [Fact]
    public async Task AScheduledMessagesMediaIsStagedWhereTheLifecycleRuleKeepsItLonger()
    {
        var id = await ScheduleAsync("2026-05-01T10:00:00Z", $$""","imageUrl":"{{media.Url("/file/jpeg/2000")}}" """.TrimEnd());
        var row = await _services.Get<MessageStore>().FindAsync(id);
        Assert.Equal(MediaStager.ScheduledPrefix + id.Value, row!.MediaBlob);
        Assert.True((await azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer).GetBlobClient(row.MediaBlob).ExistsAsync()).Value);
    }
}
