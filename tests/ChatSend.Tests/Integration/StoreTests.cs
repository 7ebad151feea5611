using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Receipts;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Azure.Data.Tables;

namespace ChatSend.Tests.Integration;

public sealed class StoreTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task SessionIsStoredWithItsProviderSettings()
    {
        var store = _services.Get<SessionStore>();
        await store.UpsertAsync(new Session("shop-1", "+15550100002", "sandbox", new Dictionary<string, string> { ["readAfterSeconds"] = "3" }, false));
        var session = await store.FindAsync("shop-1");
        Assert.Equal(("+15550100002", "sandbox", false, "3"), (session!.SenderPhone, session.Provider, session.Enabled, session.ProviderSettings["readAfterSeconds"]));
        Assert.Null(await store.FindAsync("no-such-session"));
    }

    [Fact]
    public async Task KeyAuthenticatesWithItsScopeAndIsStoredOnlyAsAHash()
    {
        var keys = _services.Get<ApiKeyStore>();
        var key = await keys.CreateAsync("ci", ["a", "b"]);

        var scope = await keys.AuthenticateAsync(key);
        Assert.True(scope!.Covers("a") && scope.Covers("b") && !scope.Covers("c"));

        ApiKey.TryParse(key, out var keyId);
        var row = (await azurite.Clients.Table(StorageNames.ApiKeysTable).GetEntityAsync<TableEntity>(keyId, "key")).Value;
        var secret = key[(key.LastIndexOf('_') + 1)..];
        Assert.DoesNotContain(row.Keys, k => row[k]?.ToString()?.Contains(secret) == true);
        Assert.Equal(ApiKey.Hash(key), row.GetBinary("Hash"));
    }

    [Fact]
    public async Task WrongUnknownMalformedAndRevokedKeysAreRefused()
    {
        var keys = _services.Get<ApiKeyStore>();
        var key = await keys.CreateAsync("ci", ["*"]);
        ApiKey.TryParse(key, out var keyId);
        var wrongSecret = key[..^1] + (key[^1] == '0' ? '1' : '0');
        var unknown = ApiKey.Generate().Key;

        foreach (var candidate in new[] { wrongSecret, unknown, "cs_short", key.ToUpperInvariant() })
            Assert.Null(await keys.AuthenticateAsync(candidate));

        Assert.NotNull(await keys.AuthenticateAsync(key));
        Assert.True(await keys.RevokeAsync(keyId));
        Assert.Null(await keys.AuthenticateAsync(key));
    }

    [Fact]
    public async Task SessionMessagesListNewestFirstFromItsOwnPartition()
    {
        var (session, key) = await _services.NewSessionAsync();
        var (other, otherKey) = await _services.NewSessionAsync();
        var sent = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sent.Add((await _services.SendTextAsync(key, session.Id)).Id);
            await _services.SendTextAsync(otherKey, other.Id);
        }

        var listed = await _services.Get<MessageStore>().ListAsync(session, 10);
        Assert.Equal(Enumerable.Reverse(sent), listed.Select(m => m.Id));
    }

    [Fact]
    public async Task ConcurrentReceiptsNeverMoveAStatusBackwards()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        var receipts = _services.Get<ReceiptHandler>();
        var statuses = new[] { MessageStatus.Read, MessageStatus.Delivered, MessageStatus.Sent };

        await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            receipts.ApplyAsync(new Receipt(message.MessageId, statuses[i % 3], ProviderMessageId: "p1"))));

        var stored = await _services.Get<MessageStore>().FindAsync(message.MessageId);
        Assert.Equal("read", stored!.Status);
        var history = stored.GetHistory().Select(h => h.Status).ToList();
        Assert.Equal(MessageStatus.Queued, history[0]);
        Assert.Equal(MessageStatus.Read, history[^1]);
        Assert.Single(history, MessageStatus.Read);
        // Each recorded step is a legal move from the one before: the history never goes back.
        Assert.All(history.Zip(history.Skip(1)), step => Assert.True(MessageStatuses.CanMove(step.First, step.Second), $"{step.First} → {step.Second}"));
    }

    [Fact]
    public async Task LateDeliveredReceiptDoesNotOverwriteRead()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        var receipts = _services.Get<ReceiptHandler>();

        await receipts.ApplyAsync(new Receipt(message.MessageId, MessageStatus.Read));
        await receipts.ApplyAsync(new Receipt(message.MessageId, MessageStatus.Delivered));
        await receipts.ApplyAsync(new Receipt(message.MessageId, MessageStatus.Failed, Reason: "late"));

        var stored = await _services.Get<MessageStore>().FindAsync(message.MessageId);
        Assert.Equal(("read", null), (stored!.Status, stored.FailureReason));
        Assert.Equal([MessageStatus.Queued, MessageStatus.Read], stored.GetHistory().Select(h => h.Status));
    }
}
