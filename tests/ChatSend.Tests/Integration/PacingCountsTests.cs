using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// The session's pacing row counts sends per second of the minute (a slot), on a fake clock and the default window: a
/// send counts until the end of its second plus the minute and the margin (1.2 s), so a burst on either side of a second's
/// boundary is held to the limit, the rate over any sliding minute stays at most the limit and a wait ends at most a second
/// later than with every send's time, and a row written as every send's time (before the counts) keeps counting after an upgrade.
/// </summary>
public sealed class PacingCountsTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1.2); // 2 % of the window
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static Session Paced(int maxPerMinute) =>
        new("p" + Guid.NewGuid().ToString("N")[..12], "+15550100001", ScriptedProvider.ProviderName,
            new Dictionary<string, string> { ["maxPerMinute"] = $"{maxPerMinute}" }, Enabled: true);

    private Task<DateTimeOffset?> TakeAsync(Session session, string to = "+12025550123") =>
        _services.Get<SessionPacer>().TryTakeAsync(session, PacingDefaults.None, to, CancellationToken.None);

    private async Task<TableEntity> RowAsync(Session session) =>
        (await azurite.Clients.Table(StorageNames.PacingTable).GetEntityAsync<TableEntity>(session.Id, "recent")).Value;

    /// <summary>No <paramref name="max"/> + 1 sends within any window: the (k + max)-th is a window and the margin after the k-th.</summary>
    private static void AssertNeverOverTheLimit(IReadOnlyList<DateTimeOffset> sent, int max)
    {
        for (var k = 0; k + max < sent.Count; k++)
            Assert.True(sent[k + max] - sent[k] >= Window + Margin, $"{max + 1} sends from {sent[k]:HH:mm:ss.fff} to {sent[k + max]:HH:mm:ss.fff}");
    }

    [Fact]
    public async Task ABurstOnBothSidesOfASecondsBoundaryIsHeldToTheLimitUntilEachSecondIsAMinuteAndTheMarginPast()
    {
        var session = Paced(4);
        var sent = new List<DateTimeOffset>();
        _clock.SetUtcNow(Start.AddMilliseconds(900));
        foreach (var step in new[] { 0, 99, 1, 0 }) // 12:00:00.900, .999, then 12:00:01.000 twice
        {
            _clock.Advance(TimeSpan.FromMilliseconds(step));
            Assert.Null(await TakeAsync(session));
            sent.Add(_clock.GetUtcNow());
        }

        // The first second's two count until 12:00:01 + a minute + the margin; the next second's, a second later.
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(Start.AddSeconds(1) + Window + Margin, await TakeAsync(session));
        _clock.SetUtcNow(Start.AddSeconds(1) + Window + Margin - TimeSpan.FromMilliseconds(1));
        Assert.Equal(Start.AddSeconds(1) + Window + Margin, await TakeAsync(session));

        _clock.SetUtcNow(Start.AddSeconds(1) + Window + Margin);
        for (var i = 0; i < 2; i++)
        {
            Assert.Null(await TakeAsync(session));
            sent.Add(_clock.GetUtcNow());
        }
        Assert.Equal(Start.AddSeconds(2) + Window + Margin, await TakeAsync(session));
        AssertNeverOverTheLimit(sent, 4);
    }

    [Fact]
    public async Task OverEverySlidingMinuteTheRateStaysAtTheLimitAndAWaitEndsAtMostASecondLaterThanExactTimesWouldEndIt()
    {
        const int max = 120;
        var session = Paced(max);
        var random = new Random(21);
        _clock.SetUtcNow(Start.AddMilliseconds(random.Next(1000)));
        var sent = new List<DateTimeOffset>();
        // Senders ask about every 100 ms (five times the limit's pace), and again when told a place is free.
        while (_clock.GetUtcNow() < Start.AddMinutes(3))
        {
            if (await TakeAsync(session, $"+1202555{random.Next(1000, 9999)}") is { } freeAt)
            {
                // Exact times would free the place a minute and the margin after the max-th latest send; the end of its
                // second is up to a second later.
                Assert.InRange(freeAt - (sent[^max] + Window + Margin), TimeSpan.Zero, TimeSpan.FromSeconds(1));
                _clock.SetUtcNow(freeAt);
            }
            else
            {
                sent.Add(_clock.GetUtcNow());
                _clock.Advance(TimeSpan.FromMilliseconds(random.Next(200)));
            }
        }

        AssertNeverOverTheLimit(sent, max);
        Assert.Equal(3 * max, sent.Count); // three minutes hold three minutes' worth
        Assert.InRange((await RowAsync(session)).GetBinary("Counts")!.Length, 4, 64 * 4); // a count per second still counting, 4 bytes each
    }

    [Fact]
    public async Task TheSendTimesARowKeptBeforeTheUpgradeKeepCountingAndTheRowIsRewrittenAsCounts()
    {
        var session = Paced(4);
        _clock.SetUtcNow(Start.AddMinutes(5));
        var now = _clock.GetUtcNow();
        // As the version that kept every send's time wrote it: three sends in the last minute and one older.
        var times = new[] { now.AddSeconds(-70), now.AddSeconds(-50.5), now.AddSeconds(-30), now.AddSeconds(-10) };
        await azurite.Clients.Table(StorageNames.PacingTable).AddEntityAsync(new TableEntity(session.Id, "recent")
        {
            ["Times"] = times.SelectMany(t => BitConverter.GetBytes(t.UtcTicks)).ToArray(),
        });

        Assert.Null(await TakeAsync(session)); // the fourth in the minute
        // The fifth waits for the oldest that still counts: the end of its second, a minute and the margin.
        Assert.Equal(now.AddSeconds(-50) + Window + Margin, await TakeAsync(session));

        var row = await RowAsync(session);
        Assert.Null(row.GetBinary("Times"));
        Assert.Equal(SendCounts.SlotOf(Window), row.GetInt64("SlotTicks"));
        var counts = row.GetBinary("Counts")!;
        Assert.InRange(counts.Length, 4, 64 * 4);
        Assert.Equal(4, Unit.SendCountsTests.Sum(counts)); // the three that still counted, and the one taken
    }

    [Fact]
    public async Task ARowCountedWithAnotherWindowKeepsCountingWhenTheWindowChanges()
    {
        var session = Paced(2);
        _clock.SetUtcNow(Start.AddMinutes(10).AddMilliseconds(10));
        await using (var shortWindow = new TestServices(azurite.ConnectionString, new Dictionary<string, string?> { ["ChatSend:Pacing:Window"] = "00:00:03" }, _clock))
            Assert.Null(await shortWindow.Get<SessionPacer>().TryTakeAsync(session, PacingDefaults.None, "+12025550123", CancellationToken.None));

        // Counted in a 50 ms slot under the 3 s window; read with 1 s slots, it counts from the end of its second.
        Assert.Null(await TakeAsync(session));
        Assert.Equal(Start.AddMinutes(10).AddSeconds(1) + Window + Margin, await TakeAsync(session));
    }

    [Fact]
    public async Task TakesAtOnceOnOneInstanceGoOneAtATimeEachOneTransactionAfterOneReadAndTheLimitStillHolds()
    {
        var calls = new StorageFaults();
        await using var instance = new TestServices(azurite.ConnectionString, time: _clock, services: s => s.AddSingleton(new StoragePipelinePolicy(calls)));
        var pacer = instance.Get<SessionPacer>();
        var session = Paced(20);

        var taken = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => pacer.TryTakeAsync(session, PacingDefaults.None, "+12025550123", CancellationToken.None)));

        Assert.All(taken, Assert.Null); // all twenty go now
        // None refused another's write and tried again, and only the first read the row: the rest start from its write.
        Assert.Equal(20, calls.Calls.Count(c => c == "POST $batch"));
        Assert.Single(calls.Calls, c => c.StartsWith("GET pacing", StringComparison.Ordinal));
        // The twenty-first waits; a wait is decided on the row as stored.
        Assert.Equal(Start.AddSeconds(1) + Window + Margin, await pacer.TryTakeAsync(session, PacingDefaults.None, "+12025550123", CancellationToken.None));
        Assert.Equal(2, calls.Calls.Count(c => c.StartsWith("GET pacing", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnInstanceThatWroteTheRowLastCountsAnotherInstancesTakeSince()
    {
        await using var other = new TestServices(azurite.ConnectionString, time: _clock);
        var session = Paced(2);

        Assert.Null(await TakeAsync(session)); // this instance remembers the row as it wrote it: one place left
        Assert.Null(await other.Get<SessionPacer>().TryTakeAsync(session, PacingDefaults.None, "+12025550123", CancellationToken.None));

        Assert.Equal(Start.AddSeconds(1) + Window + Margin, await TakeAsync(session));
    }

    [Fact]
    public async Task ATakeAfterTheSessionsRowWasRemovedCountsFromNothingInsteadOfFailing()
    {
        var session = Paced(2);
        Assert.Null(await TakeAsync(session)); // this instance remembers the row it wrote
        await azurite.Clients.Table(StorageNames.PacingTable).DeleteEntityAsync(session.Id, "recent");

        Assert.Null(await TakeAsync(session));

        // The removed row's send no longer counts: one more place, then the window is full.
        Assert.Null(await TakeAsync(session));
        Assert.Equal(Start.AddSeconds(1) + Window + Margin, await TakeAsync(session));
    }
}
