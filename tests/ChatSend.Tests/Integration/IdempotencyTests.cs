using System.Text.Json;
using Azure.Data.Tables;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Send.Idempotency;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary><c>Idempotency-Key</c> per the contract, including a first request that died without an answer.</summary>
public sealed class IdempotencyTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;
    private (ChatSend.Sessions.Session Session, string Key) _sender;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        _sender = await _services.NewSessionAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private string Body(string text = "hello") => $$"""{"session":"{{_sender.Session.Id}}","to":"+12025550123","text":"{{text}}"}""";

    private async Task<(int Status, string Body, string Replayed, string RetryAfter)> SendAsync(string key, string body, string? apiKey = null)
    {
        var (result, context) = await _services.SendRawAsync(apiKey ?? _sender.Key, body, key);
        var stream = new MemoryStream();
        context.Response.Body = stream;
        await ((Microsoft.AspNetCore.Http.IResult)result!).ExecuteAsync(context);
        return (context.Response.StatusCode, System.Text.Encoding.UTF8.GetString(stream.ToArray()),
            context.Response.Headers[IdempotentSend.ReplayedHeader].ToString(), context.Response.Headers.RetryAfter.ToString());
    }

    private async Task<int> RowsAsync() =>
        (await _services.Get<MessageStore>().ListAsync(_sender.Session, 100)).Count;

    [Fact]
    public async Task ARepeatGetsTheOriginalAnswerMarkedReplayedAndSendsNothingNew()
    {
        var first = await SendAsync("order-1001", Body());
        _clock.Advance(TimeSpan.FromMinutes(5));
        var again = await SendAsync("order-1001", Body());

        Assert.Equal((202, ""), (first.Status, first.Replayed));
        Assert.Equal((202, "true"), (again.Status, again.Replayed));
        Assert.Equal(first.Body, again.Body); // the same id, timestamp and status "queued" as answered first
        Assert.Equal(1, await RowsAsync());
    }

    [Fact]
    public async Task AKeyWhoseInsertAnswerIsLostIsStillThisRequestsAndItsMessageIsAccepted()
    {
        _services.Faults.Next(Fault.LoseAnswer, "POST " + StorageNames.IdempotencyTable);

        var first = await SendAsync("order-1000", Body());
        var again = await SendAsync("order-1000", Body());

        Assert.Equal((202, ""), (first.Status, first.Replayed)); // not 409 "in progress" from its own record
        Assert.Equal((202, "true", first.Body), (again.Status, again.Replayed, again.Body));
        Assert.Equal(1, await RowsAsync());
        Assert.Contains(_services.Faults.Calls, c => c == "POST " + StorageNames.IdempotencyTable);
    }

    [Fact]
    public async Task TheSameKeyWithAnotherBodyIs422NamingTheHeader()
    {
        await SendAsync("order-1002", Body("one"));
        var other = await SendAsync("order-1002", Body("two"));

        Assert.Equal(422, other.Status);
        Assert.True(JsonDocument.Parse(other.Body).RootElement.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(1, await RowsAsync());
    }

    [Fact]
    public async Task KeysBelongToTheApiKeyThatSentThem()
    {
        var otherKey = await _services.Get<ApiKeyStore>().CreateAsync("second client", [_sender.Session.Id]);
        var first = await SendAsync("shared-name", Body());
        var second = await SendAsync("shared-name", Body(), otherKey);

        Assert.Equal((202, 202, ""), (first.Status, second.Status, second.Replayed));
        Assert.Equal(2, await RowsAsync());
    }

    [Fact]
    public async Task ARefusalIsReplayedToo()
    {
        var refused = await SendAsync("order-1003", $$"""{"session":"{{_sender.Session.Id}}","to":"+1 555","text":"x"}""");
        var again = await SendAsync("order-1003", $$"""{"session":"{{_sender.Session.Id}}","to":"+1 555","text":"x"}""");

        Assert.Equal((400, 400, "true"), (refused.Status, again.Status, again.Replayed));
        Assert.Equal(JsonDocument.Parse(refused.Body).RootElement.GetProperty("errors").ToString(),
            JsonDocument.Parse(again.Body).RootElement.GetProperty("errors").ToString());
    }

    [Fact]
    public async Task WhileTheFirstRequestMayBeRunningARepeatIs409ThenItTakesOver()
    {
        _services.Faults.Next(Fault.Die, "POST idempotency"); // the first request took the key, then its worker died
        Assert.Equal(500, (await SendAsync("order-1004", Body())).Status); // (the client got no real answer)

        var inFlight = await SendAsync("order-1004", Body());
        Assert.Equal((409, "1"), (inFlight.Status, inFlight.RetryAfter));

        _clock.Advance(_services.Get<IdempotentSend>().InFlightLease + TimeSpan.FromSeconds(1));
        var takenOver = await SendAsync("order-1004", Body());
        Assert.Equal((202, ""), (takenOver.Status, takenOver.Replayed));
        Assert.Equal("true", (await SendAsync("order-1004", Body())).Replayed); // and from then on it is the answer
        Assert.Equal(1, await RowsAsync());
    }

    [Fact]
    public async Task AFirstRequestThatDiedAfterAcceptingIsAnsweredFromItsMessage()
    {
        _services.Faults.Next(Fault.Die, "POST $batch"); // the message landed, then the worker died: no answer
        await _services.SendRawAsync(_sender.Key, Body(), "order-1005");

        var retry = await SendAsync("order-1005", Body());

        Assert.Equal((202, "true"), (retry.Status, retry.Replayed));
        Assert.Equal(1, await RowsAsync());
    }

    [Fact]
    public async Task After503TheKeyIsFreeAndARetrySendsOnce()
    {
        for (var i = 0; i < 3; i++)
            _services.Faults.Next(Fault.Refuse, "POST $batch");
        var unavailable = await SendAsync("order-1006", Body());
        var retry = await SendAsync("order-1006", Body());

        Assert.Equal((503, 202, ""), (unavailable.Status, retry.Status, retry.Replayed));
        Assert.Equal(1, await RowsAsync());
    }

    [Fact]
    public async Task AKeyIsRememberedFor24Hours()
    {
        await SendAsync("order-1007", Body());
        _clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal("true", (await SendAsync("order-1007", Body())).Replayed);
        _clock.Advance(TimeSpan.FromHours(1));
        var fresh = await SendAsync("order-1007", Body());

        Assert.Equal((202, ""), (fresh.Status, fresh.Replayed));
        Assert.Equal(2, await RowsAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("naïve")]
    [InlineData("tab\tinside")]
    public async Task AKeyThatIsNotPrintableAsciiIs400NamingTheHeader(string key)
    {
        var refused = await SendAsync(key, Body());
        Assert.Equal(400, refused.Status);
        Assert.True(JsonDocument.Parse(refused.Body).RootElement.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }

    [Fact]
    public async Task AKeyOf256CharactersIs400AndOf255IsTaken()
    {
        Assert.Equal(400, (await SendAsync(new string('k', 256), Body())).Status);
        Assert.Equal(202, (await SendAsync(new string('k', 255), Body())).Status);
    }

    private string KeyId()
    {
        ApiKey.TryParse(_sender.Key, out var keyId);
        return keyId;
    }
}
