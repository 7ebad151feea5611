using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// A delivery attempt claims its message before calling the provider: a second job never calls it while the claim
/// lives, the answer is recorded in place, and a claim left by a dead worker is resolved by <c>UnknownOutcome</c>.
/// </summary>
public sealed class DeliveryClaimTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<MessageId> AcceptAsync(Dictionary<string, string>? settings = null, TestServices? services = null)
    {
        services ??= _services;
        var (session, key) = await services.NewSessionAsync(settings: settings);
        return (await services.SendTextAsync(key, session.Id)).MessageId;
    }

    private async Task SetOutcomeAsync(MessageId id, string outcome)
    {
        var sessions = _services.Get<ChatSend.Sessions.SessionStore>();
        var session = (await sessions.FindAsync(id.Session))!;
        await sessions.UpsertAsync(session with { ProviderSettings = new Dictionary<string, string> { ["outcome"] = outcome } });
    }

    private Task HandleAsync(MessageId id, TestServices? services = null) =>
        (services ?? _services).Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);

    private Task<MessageEntity?> RowAsync(MessageId id) => _services.Get<MessageStore>().FindAsync(id);

    private int Calls(MessageId id) => _services.Get<ScriptedProvider>().CallsFor(id.Value);

    [Fact]
    public async Task TwoJobsForOneMessageAtOnceCallTheProviderOnce()
    {
        var id = await AcceptAsync(new Dictionary<string, string> { ["delayMs"] = "500" });

        await Task.WhenAll(HandleAsync(id), HandleAsync(id), HandleAsync(id));

        Assert.Equal(1, Calls(id));
        var row = await RowAsync(id);
        Assert.Equal(("sent", 1, false), (row!.Status, row.Attempts, row.HasMarker));
    }

    [Fact]
    public async Task AJobForAClaimedMessageWaitsInsteadOfSending()
    {
        var id = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "die" });
        await Assert.ThrowsAsync<WorkerDied>(() => HandleAsync(id)); // the provider took it, then the worker died

        await HandleAsync(id); // the queue hands the job out again while the claim lives

        Assert.Equal(1, Calls(id));
        var row = await RowAsync(id);
        Assert.Equal(("queued", 1), (row!.Status, row.Attempts));
        Assert.True(row.ClaimedUntil > _clock.GetUtcNow());
    }

    [Fact]
    public async Task AClaimLeftByADeadWorkerIsSentAgainUnderResendAndCounted()
    {
        var id = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "die" });
        await Assert.ThrowsAsync<WorkerDied>(() => HandleAsync(id));
        await SetOutcomeAsync(id, "ok");

        _clock.Advance(TimeSpan.FromMinutes(2)); // the lease ran out; the sweeper finds the marker due
        await _services.Get<Sweeper>().RunAsync();
        var jobs = await azurite.Jobs(StorageNames.DeliveriesQueue).PeekAsync();
        Assert.Contains(jobs, j => j.Body.ToString().Contains(id.Value));
        await HandleAsync(id);

        Assert.Equal(2, Calls(id)); // the one duplicate the crash window allows
        Assert.Equal("sent", (await RowAsync(id))!.Status);
        Assert.Contains(_services.Logs.Lines, l => l.Contains(id.Value) && l.Contains("may get it twice"));
    }

    [Fact]
    public async Task AClaimLeftByADeadWorkerFailsTheMessageUnderFail()
    {
        await using var services = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { ["ChatSend:Delivery:UnknownOutcome"] = "Fail" }, _clock);
        var id = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "die" }, services);
        await Assert.ThrowsAsync<WorkerDied>(() => HandleAsync(id, services));

        _clock.Advance(TimeSpan.FromMinutes(2));
        await HandleAsync(id, services);

        Assert.Equal(1, services.Get<ScriptedProvider>().CallsFor(id.Value));
        var row = await RowAsync(id);
        Assert.Equal(("failed", false), (row!.Status, row.HasMarker));
        Assert.Contains("outcome unknown", row.FailureReason);
    }

    [Fact]
    public async Task TheSentWriteIsRetriedInPlaceWhenStorageFailsAfterTheProviderAnswered()
    {
        var id = await AcceptAsync();
        for (var i = 0; i < 3; i++) // every try the storage client makes of the write after the claim
            _services.Faults.Next(Fault.Refuse, skip: 1, "POST $batch"); // the claim (with its marker: the message is in its chat's line), then "sent"

        var handling = HandleAsync(id);
        while (!handling.IsCompleted) // the recorder waits on the app's clock between its own tries
        {
            await Task.Delay(20); // a real moment for the recorder to reach its next wait on the fake clock; ends when it is done
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }
        await handling;

        Assert.Equal(1, Calls(id));
        var row = await RowAsync(id);
        Assert.Equal(("sent", null, false), (row!.Status, row.ClaimId, row.HasMarker));
        Assert.Contains(_services.Logs.Lines, l => l.Contains(id.Value) && l.Contains("trying again"));
    }

    [Fact]
    public async Task AReceiptThatOvertakesTheSentWriteIsKept()
    {
        var id = await AcceptAsync(new Dictionary<string, string> { ["delayMs"] = "300" });
        var handling = HandleAsync(id);
        await _services.Get<ScriptedProvider>().CalledAsync(id.Value).WaitAsync(TimeSpan.FromSeconds(10)); // claimed and sending for 300 ms
        await _services.Get<ChatSend.Receipts.ReceiptHandler>().ApplyAsync(new ChatSend.Receipts.Receipt(id, MessageStatus.Delivered));
        await handling;

        var row = await RowAsync(id);
        Assert.Equal(("delivered", $"scripted-{id.Value}-1", null, false), (row!.Status, row.ProviderMessageId, row.ClaimId, row.HasMarker));
    }
}
