using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Integration;

public sealed class WriteOrderTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task FailedQueuePutRemovesTheRowAndAnswers503ThenARetryWorks()
    {
        var (session, key) = await _services.NewSessionAsync();
        var deliveries = azurite.Clients.Queue(StorageNames.DeliveriesQueue);
        await deliveries.DeleteAsync();
        try
        {
            var (status, _, response) = await _services.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hello"}""");
            Assert.Equal(503, status);
            Assert.Equal("5", response.Headers.RetryAfter.ToString());
            Assert.Empty(await _services.Get<MessageStore>().ListAsync(session.Id, 10));
        }
        finally
        {
            await azurite.RecreateQueueAsync(StorageNames.DeliveriesQueue);
        }

        var message = await _services.SendTextAsync(key, session.Id);
        Assert.Equal([message.Id], (await _services.Get<MessageStore>().ListAsync(session.Id, 10)).Select(m => m.Id));
        var jobs = (await deliveries.PeekMessagesAsync(32)).Value;
        Assert.Single(jobs);
        Assert.Contains(message.Id, jobs[0].Body.ToString());
    }
}
