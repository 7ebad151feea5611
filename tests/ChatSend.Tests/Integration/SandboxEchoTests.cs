using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Queues;
using ChatSend.Receipts;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Integration;

/// <summary>
/// The sandbox's recipients answer (<c>replyAfterSeconds</c>): the answer is a queue message put when the sandbox takes
/// the send, so it comes whatever happens to the process that took it, and is recorded once however often it is handed out.
/// </summary>
public sealed class SandboxEchoTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite);
        await azurite.Jobs(StorageNames.ReceiptsQueue).ClearAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task TheSandboxsEchoIsQueuedWithTheSendAndRecordedOnceByAnyInstance()
    {
        var (session, key) = await _services.NewSessionAsync(SandboxProvider.ProviderName,
            new Dictionary<string, string> { ["replyAfterSeconds"] = "0", ["deliveredAfterSeconds"] = "60", ["readAfterSeconds"] = "60" });
        var sent = await _services.SendTextAsync(key, session.Id);
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(sent.MessageId), CancellationToken.None);

        // The process that took the send is gone; the answer waits on the receipts queue.
        await _services.DisposeAsync();
        _services = new TestServices(azurite);
        var echo = Assert.Single(await azurite.Jobs(StorageNames.ReceiptsQueue).ReceiveAsync(), m =>
            QueueMessages.TryRead<Receipt>(m.Body.ToString(), out var r) && r.IsEcho && r.Id == sent.MessageId);
        await _services.Get<ReceiptHandler>().HandleAsync(echo.Body.ToString(), CancellationToken.None);
        await using (var another = new TestServices(azurite))
            await another.Get<ReceiptHandler>().HandleAsync(echo.Body.ToString(), CancellationToken.None); // handed out twice

        var (rows, _) = await _services.Get<MessageStore>().PageAsync(new MessageQuery(session.Id, 10, null, null, null, null, null, Direction: MessageDirection.Inbound) { Partitions = session.Partitions });
        var answer = Assert.Single(rows);
        Assert.Equal((SandboxEcho.Prefix + "hello", "+12025550123", "+12025550123", MessageStatus.Received),
            (answer.Content, answer.Chat, answer.Sender, answer.CurrentStatus));
    }

    [Fact]
    public async Task NoAnswerIsQueuedUnlessTheSessionAsksForOne()
    {
        var (session, key) = await _services.NewSessionAsync(SandboxProvider.ProviderName,
            new Dictionary<string, string> { ["deliveredAfterSeconds"] = "0", ["readAfterSeconds"] = "0" });
        var sent = await _services.SendTextAsync(key, session.Id);
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(sent.MessageId), CancellationToken.None);

        var receipts = (await azurite.Jobs(StorageNames.ReceiptsQueue).PeekAsync())
            .Select(m => QueueMessages.TryRead<Receipt>(m.Body.ToString(), out var r) ? r : null)
            .Where(r => r?.Id == sent.MessageId).ToList();
        Assert.Equal([MessageStatus.Delivered], receipts.Select(r => r!.Status)); // the delivered receipt, visible at once, and no answer
    }
}
