using System.Net;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// The order of a session's sends to one chat when storage fails or a worker stops between two calls: the turn still
/// passes to the next send, exactly once, and nothing is sent out of its turn.
/// </summary>
public sealed class ChatLineFaultTests(Azurite azurite) : IClassFixture<Azurite>
{
    private const string Chat = "+12025550123";
    private readonly StorageFaults _faults = new();

    private static readonly Dictionary<string, string?> Quick = new()
    {
        ["ChatSend:Delivery:SweepAfter"] = "00:00:02",
        ["ChatSend:Delivery:ClaimLease"] = "00:00:05",
        ["ChatSend:Sweeper:Interval"] = "00:00:01",
    };

    /// <summary>A host that delivers, its storage calls open to <see cref="_faults"/>.</summary>
    private Task<TestApp> StartAsync() =>
        TestApp.StartAsync(azurite, Quick, services => services.AddSingleton(new StoragePipelinePolicy(_faults)));

    /// <summary>A host that only accepts: no queue listener takes its jobs (nor any other host of this class while it runs).</summary>
    private Task<TestApp> StartAcceptingOnlyAsync() =>
        TestApp.StartAsync(azurite, new Dictionary<string, string?>(Quick) { ["ChatSend:LocalHost:QueueListeners"] = "false" });

    [Theory]
    [InlineData(Fault.Die)]
    [InlineData(Fault.LoseAnswer)]
    public async Task WhenTheWriteThatEndsASendLandsButItsWorkerStopsOrItsAnswerIsLostTheNextStillGoesOnceAndAfterIt(Fault fault)
    {
        await using var app = await StartAsync();
        var (session, key) = await NewSlowSessionAsync(app, delayMs: 300);
        var first = await SendAsync(app, session, key, "first");
        await app.Scripted.CalledAsync(first);
        var second = await SendAsync(app, session, key, "second");
        _faults.Next(fault, "POST $batch"); // the first's sent write, which passes the turn on: the second's job is never queued

        await WaitForStatusAsync(second, "sent");

        Assert.Equal([first, second], SentInOrder(app, session));
        Assert.Equal((1, 1), (app.Scripted.CallsFor(first), app.Scripted.CallsFor(second)));
    }

    [Fact]
    public async Task ASendCanceledWhileItWaitedIsSkippedAndTheOneBehindItGoesAfterTheFirst()
    {
        await using var app = await StartAsync();
        var (session, key) = await NewSlowSessionAsync(app, delayMs: 1000);
        var first = await SendAsync(app, session, key, "first");
        await app.Scripted.CalledAsync(first);
        var second = await SendAsync(app, session, key, "second");
        var third = await SendAsync(app, session, key, "third");
        using (var canceled = await app.Http.SendAsync(app.Request(HttpMethod.Delete, $"/messages/{second}", key)))
            Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);

        await WaitForStatusAsync(third, "sent");

        Assert.Equal([first, third], SentInOrder(app, session));
        Assert.Equal(0, app.Scripted.CallsFor(second));
    }

    [Fact]
    public async Task CancelingTheSendWhoseTurnItIsLetsTheNextGo()
    {
        string session, key, first, second;
        await using (var accepting = await StartAcceptingOnlyAsync())
        {
            (session, key) = await NewSlowSessionAsync(accepting, delayMs: 0);
            first = await SendAsync(accepting, session, key, "first");
            second = await SendAsync(accepting, session, key, "second");
            using var canceled = await accepting.Http.SendAsync(accepting.Request(HttpMethod.Delete, $"/messages/{first}", key));
            Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        }

        await using var app = await StartAsync();
        await WaitForStatusAsync(second, "sent");

        Assert.Equal([second], SentInOrder(app, session));
    }

    [Fact]
    public async Task ASendWhoseRowWasTakenBackAfterItsNumberLandedDoesNotHoldTheChat()
    {
        // A /send whose transaction landed but was answered as failed removes its row (503): its number stays in the line.
        string session, key, second;
        await using (var accepting = await StartAcceptingOnlyAsync())
        {
            (session, key) = await NewSlowSessionAsync(accepting, delayMs: 0);
            var first = await SendAsync(accepting, session, key, "first");
            second = await SendAsync(accepting, session, key, "second");
            MessageId.TryParse(first, out var firstId);
            var store = accepting.Services.GetRequiredService<MessageStore>();
            await store.RemoveAsync((await store.FindAsync(firstId))!);
        }

        await using var app = await StartAsync();
        await WaitForStatusAsync(second, "sent");

        Assert.Equal([second], SentInOrder(app, session));
    }

    private static async Task<(string Session, string Key)> NewSlowSessionAsync(TestApp app, int delayMs)
    {
        var (session, key) = await app.NewSessionAsync(ScriptedProvider.ProviderName,
            settings: new Dictionary<string, string> { ["delayMs"] = delayMs.ToString() });
        return (session.Id, key);
    }

    private static async Task<string> SendAsync(TestApp app, string session, string key, string text)
    {
        using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session}}","to":"{{Chat}}","text":"{{text}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await Json.ReadAsync(response)).Str("id");
    }

    private async Task WaitForStatusAsync(string id, string status)
    {
        MessageId.TryParse(id, out var messageId);
        var table = azurite.Clients.Table(StorageNames.MessagesTable);
        await Eventually.MatchesAsync(async () => (await table.GetEntityIfExistsAsync<MessageEntity>(messageId.PartitionKey, messageId.RowKey)).Value,
            row => row?.Status == status, TimeSpan.FromSeconds(30));
    }

    /// <summary>The session's messages in the order the provider took them.</summary>
    private static IReadOnlyList<string> SentInOrder(TestApp app, string session) =>
        app.Scripted.SentIds.Where(id => MessageId.TryParse(id, out var m) && m.Session == session).ToList();
}
