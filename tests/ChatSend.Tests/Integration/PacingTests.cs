using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Integration;

/// <summary>
/// Pacing holds across instances: three processors drain one session's messages at once (a 3 s window stands in for
/// the minute), the provider never sees more than the limit in any window, every message arrives, and a deferral is
/// not an attempt.
/// </summary>
public sealed class PacingTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);
    private readonly List<TestServices> _instances = [];

    public async Task InitializeAsync()
    {
        for (var i = 0; i < 3; i++)
            _instances.Add(new TestServices(azurite, new Dictionary<string, string?> { ["ChatSend:Pacing:Window"] = Window.ToString() }));
        await azurite.Jobs(StorageNames.DeliveriesQueue).ClearAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
            await instance.DisposeAsync();
    }

    // Each instance takes jobs off the shared queue as a host would, until every message is sent.
    private async Task DrainAsync(IReadOnlyList<MessageId> ids)
    {
        var shards = azurite.Jobs(StorageNames.DeliveriesQueue).Shards;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        async Task RunAsync(TestServices instance)
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var queue in shards)
                    foreach (var job in (await queue.ReceiveMessagesAsync(4, TimeSpan.FromSeconds(30))).Value)
                    {
                        await instance.Get<DeliveryProcessor>().HandleAsync(job.Body.ToString(), CancellationToken.None);
                        await queue.DeleteMessageAsync(job.MessageId, job.PopReceipt);
                    }
                var rows = await Task.WhenAll(ids.Select(id => instance.Get<MessageStore>().FindAsync(id)));
                if (rows.All(r => r!.Status == "sent"))
                    return;
                await Task.Delay(50); // between polls of the queue; the loop ends when every message is sent
            }
        }
        await Task.WhenAll(_instances.Select(RunAsync));
    }

    private List<(DateTimeOffset At, string Recipient)> Sent() =>
        _instances.SelectMany(i => i.Get<ScriptedProvider>().Sent).OrderBy(s => s.At).ToList();

    [Fact]
    public async Task ThreeInstancesTogetherNeverSendMoreThanTheLimitInAnyWindowAndEveryMessageArrives()
    {
        var (session, key) = await _instances[0].NewSessionAsync(settings: new Dictionary<string, string> { ["maxPerMinute"] = "4" });
        var ids = new List<MessageId>();
        for (var i = 0; i < 12; i++)
            ids.Add((await _instances[i % 3].SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+1202555{{1000 + i}}","text":"m{{i}}"}""")).Message is { } view
                ? MessageId.Parse(view.Id) : throw new InvalidOperationException());

        await DrainAsync(ids);

        var sent = Sent();
        Assert.Equal(12, sent.Count);
        foreach (var (at, _) in sent)
            Assert.True(sent.Count(s => s.At >= at && s.At < at + Window) <= 4, $"more than 4 within {Window} from {at:HH:mm:ss.fff}");
        Assert.True(sent[^1].At - sent[0].At >= Window * 2, "12 at 4 per window take at least two windows");
        var rows = await Task.WhenAll(ids.Select(id => _instances[0].Get<MessageStore>().FindAsync(id)));
        Assert.All(rows, r => Assert.Equal(1, r!.Attempts)); // waiting was never an attempt
        Assert.Contains(rows, r => r!.ExpectedAt is not null); // and the row said when it would go
    }

    [Fact]
    public async Task MessagesToOneRecipientKeepTheirGap()
    {
        var (session, key) = await _instances[0].NewSessionAsync(settings: new Dictionary<string, string> { ["minRecipientGapSeconds"] = "1.5" });
        var ids = new List<MessageId>();
        for (var i = 0; i < 3; i++)
            ids.Add(MessageId.Parse((await _instances[i].SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550199","text":"g{{i}}"}""")).Message!.Id));

        await DrainAsync(ids);

        var sent = Sent().Where(s => s.Recipient == "+12025550199").ToList();
        Assert.Equal(3, sent.Count);
        Assert.All(sent.Zip(sent.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At >= TimeSpan.FromSeconds(1.4),
            $"{pair.Second.At - pair.First.At} between two messages to one recipient"));
    }
}
