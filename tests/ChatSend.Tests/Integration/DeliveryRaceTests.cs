using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// Races between a slow request and its retry, a claim and its lost answer, the poison handler and a live attempt:
/// each keeps the promise a client was given.
/// </summary>
public sealed class DeliveryRaceTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;
    private readonly StallingMediaHost _media = new();

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32" }, _clock);
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
        await _media.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        _media.Release();
        await _media.DisposeAsync();
        await _services.DisposeAsync();
    }

    /// <summary>A slow media host: every fetch is counted and stalls until the test releases it.</summary>
    private sealed class StallingMediaHost : FakeHttpServer
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _fetched = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _hits;

        public int Hits => Volatile.Read(ref _hits);

        /// <summary>Completes when the first fetch arrives.</summary>
        public Task FirstFetch => _fetched.Task;

        public void Release() => _release.TrySetResult();

        protected override void Map(WebApplication app) => app.MapGet("/{name}", async () =>
        {
            Interlocked.Increment(ref _hits);
            _fetched.TrySetResult();
            await _release.Task;
            return Results.Bytes(MediaServer.FileBytes("jpeg", 2000), "image/jpeg");
        });
    }

    private string ImageBody(string session) =>
        $$"""{"session":"{{session}}","to":"+12025550123","imageUrl":"{{_media.BaseUrl}}/a.jpg"}""";

    private Task WaitForFirstFetchAsync() => _media.FirstFetch.WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>
    /// A first request whose media fetch is slow may still be running, so a retry with its key is told 409 for as long
    /// as it could be (well past the fetch timeout), never taken over; once it answers, the retry gets its answer.
    /// </summary>
    [Fact]
    public async Task ARetryWhileASlowFirstRequestMayBeRunningIs409ThenGetsTheFirstAnswer()
    {
        var (session, key) = await _services.NewSessionAsync();
        var first = _services.SendAsync(key, ImageBody(session.Id), "k-1");
        await WaitForFirstFetchAsync();

        _clock.Advance(TimeSpan.FromSeconds(150)); // past the media fetch's own 60 s timeout
        var fetches = _media.Hits;
        var retry = await _services.SendAsync(key, ImageBody(session.Id), "k-1");
        Assert.Equal(409, retry.Status);
        Assert.Equal(fetches, _media.Hits); // the retry did not go ahead: it fetched nothing

        _media.Release();
        Assert.Equal(202, (await first).Status);
        var repeat = await _services.SendAsync(key, ImageBody(session.Id), "k-1");
        Assert.Equal((202, "true"), (repeat.Status, repeat.Response.Headers["Idempotent-Replayed"].ToString()));
        var row = Assert.Single(await _services.Get<MessageStore>().ListAsync(session, 10));
        Assert.Equal(row.Id, repeat.Message!.Id);
    }

    /// <summary>
    /// The claim write lands but its answer is lost: the retry of the transaction gets 412, the processor re-reads,
    /// finds its own claim and takes it for another worker's. After the lease the message is an "unknown outcome":
    /// under Fail it ends failed "the attempt stopped during the provider call" though the provider was never called.
    /// </summary>
    [Fact]
    public async Task ALostClaimAnswerFailsAMessageThatWasNeverSentUnderFail()
    {
        await using var services = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { ["ChatSend:Delivery:UnknownOutcome"] = "Fail" }, _clock);
        var (session, key) = await services.NewSessionAsync();
        var id = (await services.SendTextAsync(key, session.Id)).MessageId;

        services.Faults.Next(Fault.LoseAnswer, "POST $batch"); // the claim
        await services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(2));
        await services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);

        var row = await services.Get<MessageStore>().FindAsync(id);
        Assert.Equal(("sent", null), (row!.Status, row.FailureReason)); // its own claim was recognised, not taken for a dead one
        Assert.Equal(1, services.Get<ScriptedProvider>().CallsFor(id.Value));
    }

    /// <summary>
    /// The poison-queue handler fails the message without regard to a live claim: an attempt that is in the provider
    /// call (or that sent it and could not record it) finds the message failed, and its answer is dropped.
    /// </summary>
    [Fact]
    public async Task ThePoisonHandlerFailsAMessageAnAttemptIsSending()
    {
        var (session, key) = await _services.NewSessionAsync(settings: new Dictionary<string, string> { ["delayMs"] = "700" });
        var id = (await _services.SendTextAsync(key, session.Id)).MessageId;
        var sending = _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);
        await _services.Get<ScriptedProvider>().CalledAsync(id.Value).WaitAsync(TimeSpan.FromSeconds(10)); // claimed, in the 700 ms call

        await _services.Get<DeliveryFailedHandler>().HandleAsync(new DeliveryJob(id), CancellationToken.None);
        await sending;

        var row = await _services.Get<MessageStore>().FindAsync(id);
        Assert.Equal(1, _services.Get<ScriptedProvider>().CallsFor(id.Value)); // it went out
        Assert.Equal(("sent", null, $"scripted-{id.Value}-1"), (row!.Status, row.FailureReason, row.ProviderMessageId));
    }

    /// <summary>A message sent by a request that took over a dead one's key is listed by when it was accepted.</summary>
    [Fact]
    public async Task AMessageSentUnderATakenOverKeyIsListedByItsAcceptance()
    {
        var (session, key) = await _services.NewSessionAsync();
        var body = $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hi"}""";
        _services.Faults.Next(Fault.Die, "POST idempotency"); // the first request dies right after taking the key
        await _services.SendAsync(key, body, "k-3");
        var t0 = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMinutes(4)); // past the in-flight lease
        var accepted = await _services.SendAsync(key, body, "k-3");
        Assert.Equal(202, accepted.Status);

        var (rows, _) = await _services.Get<MessageStore>().PageAsync(
            new MessageQuery(session.Id, 50, null, null, null, Since: t0 + TimeSpan.FromMinutes(3), Until: null) { Partitions = session.Partitions });
        Assert.Contains(rows, r => r.Id == accepted.Message!.Id);
    }
}
