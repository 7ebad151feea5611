using Azure.Data.Tables;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>The webhooks table and its secrets on Azurite: what is stored, what decrypts, rotation, health and the cache.</summary>
public sealed class WebhookStoreTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private static readonly Uri Url = new("https://8.8.8.8/hook");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;
    private WebhookStore Store => _services.Get<WebhookStore>();

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<(string Session, string Id, string Secret)> NewAsync(IReadOnlyList<string>? events = null)
    {
        var (session, _) = await _services.NewSessionAsync();
        var (row, secret) = (await Store.CreateAsync(session.Id, Url, events ?? []))!.Value;
        return (session.Id, row.RowKey, secret);
    }

    private TableClient Table => azurite.Clients.Table(StorageNames.WebhooksTable);

    [Fact]
    public async Task TheStoredRowHoldsNeitherTheSecretNorItsPrefix()
    {
        var (session, id, secret) = await NewAsync();
        await Store.RotateAsync(session, id);

        var raw = (await Table.GetEntityAsync<TableEntity>(session, id)).Value;
        var text = string.Join("\n", raw.Select(p => $"{p.Key}={p.Value}"));

        Assert.DoesNotContain("whsec_", text);
        Assert.DoesNotContain(secret["whsec_".Length..], text);
        Assert.StartsWith("v1.webhook_secrets_key.", raw.GetString("Secret"));
        Assert.StartsWith("v1.webhook_secrets_key.", raw.GetString("PreviousSecret"));
    }

    [Fact]
    public async Task ACiphertextMovedToAnotherRowDoesNotDecrypt()
    {
        var (session, id, secret) = await NewAsync();
        var (otherSession, otherId, _) = await NewAsync();
        var stolen = (await Table.GetEntityAsync<TableEntity>(session, id)).Value.GetString("Secret");

        await Table.UpdateEntityAsync(new TableEntity(otherSession, otherId) { ["Secret"] = stolen }, Azure.ETag.All, TableUpdateMode.Merge);

        Assert.Equal([secret], await Store.SigningSecretsAsync(session, id, CancellationToken.None));
        await Assert.ThrowsAsync<WebhookSecretException>(() => Store.SigningSecretsAsync(otherSession, otherId, CancellationToken.None));
    }

    [Fact]
    public async Task AfterRotationBothSecretsSignUntilTheGraceEndsThenOnlyTheNewOne()
    {
        var (session, id, first) = await NewAsync();

        var second = (await Store.RotateAsync(session, id))!;

        Assert.Equal([second, first], await Store.SigningSecretsAsync(session, id, CancellationToken.None));
        _clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal([second, first], await Store.SigningSecretsAsync(session, id, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([second], await Store.SigningSecretsAsync(session, id, CancellationToken.None));
    }

    [Fact]
    public async Task ADifferentKeyValueUnderTheSameNameIsAConfigurationErrorNotGarbage()
    {
        var (session, id, _) = await NewAsync();
        await using var rekeyed = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { [TestKeys.WebhookSecretsKeySetting] = TestKeys.NewKey() });

        var error = await Assert.ThrowsAsync<WebhookKeyUnavailableException>(() =>
            rekeyed.Get<WebhookStore>().SigningSecretsAsync(session, id, CancellationToken.None));
        Assert.Contains("ChatSend:Secrets:webhook_secrets_key", error.Message);
    }

    [Fact]
    public async Task ANewKeyUnderANewNameEncryptsNewSecretsWhileTheOldNameStillDecrypts()
    {
        var (session, id, first) = await NewAsync();
        await using var rotated = new TestServices(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["ChatSend:Webhooks:SecretKeyName"] = "webhook_secrets_key_2",
            ["ChatSend:Secrets:webhook_secrets_key_2"] = TestKeys.NewKey(),
        });
        var store = rotated.Get<WebhookStore>();

        var second = (await store.RotateAsync(session, id))!;

        Assert.Equal([second, first], await store.SigningSecretsAsync(session, id, CancellationToken.None));
        Assert.StartsWith("v1.webhook_secrets_key_2.", (await Table.GetEntityAsync<TableEntity>(session, id)).Value.GetString("Secret"));
    }

    [Fact]
    public async Task RecordingAnOutcomeWritesOnlyWhenFailingSinceChanges()
    {
        var (session, id, _) = await NewAsync();
        var endpoints = (IWebhookEndpoints)Store;
        var firstFailure = _clock.GetUtcNow();

        await endpoints.RecordOutcomeAsync(session, id, succeeded: true, firstFailure, CancellationToken.None);
        var healthy = (await Store.GetAsync(session, id))!.ETag;
        await endpoints.RecordOutcomeAsync(session, id, succeeded: false, firstFailure, CancellationToken.None);
        var failing = (await Store.GetAsync(session, id))!.ETag;
        await endpoints.RecordOutcomeAsync(session, id, succeeded: false, firstFailure.AddMinutes(5), CancellationToken.None);

        var row = (await Store.GetAsync(session, id))!;
        Assert.NotEqual(healthy, failing);
        Assert.Equal((failing, firstFailure), (row.ETag, row.FailingSince));
        await endpoints.RecordOutcomeAsync(session, id, succeeded: true, firstFailure.AddMinutes(6), CancellationToken.None);
        Assert.Null((await endpoints.FindAsync(session, id, CancellationToken.None))!.FailingSince);
    }

    [Fact]
    public async Task DisablingTakesTheEndpointOutOfTheEnabledListAtOnceOnThisInstance()
    {
        var (session, id, _) = await NewAsync(["chatsend.message.read"]);
        var endpoints = (IWebhookEndpoints)Store;
        var listed = Assert.Single(await endpoints.ListEnabledAsync(session, CancellationToken.None));
        Assert.Equal((Url, true, false), (listed.Url, listed.Wants("chatsend.message.read"), listed.Wants("chatsend.message.sent")));

        await endpoints.DisableAsync(session, id, "failing for 24 hours", CancellationToken.None);

        Assert.Empty(await endpoints.ListEnabledAsync(session, CancellationToken.None));
        var row = (await Store.GetAsync(session, id))!;
        Assert.Equal((false, "failing for 24 hours"), (row.Enabled, row.DisabledReason));
    }

    [Fact]
    public async Task AnotherInstanceSeesANewWebhookWithinTheSessionCacheLifetime()
    {
        var (session, _) = await _services.NewSessionAsync();
        await using var elsewhere = new TestServices(azurite.ConnectionString, time: _clock);
        var remote = elsewhere.Get<WebhookStore>();
        Assert.Empty(await remote.ListEnabledAsync(session.Id, CancellationToken.None));

        await Store.CreateAsync(session.Id, Url, []);

        Assert.Single(await Store.ListEnabledAsync(session.Id, CancellationToken.None));
        Assert.Empty(await remote.ListEnabledAsync(session.Id, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(await remote.ListEnabledAsync(session.Id, CancellationToken.None));
    }

    [Fact]
    public async Task FindAndSecretsOfAnUnknownWebhookAreEmpty()
    {
        var (session, _) = await _services.NewSessionAsync();
        Assert.Null(await Store.FindAsync(session.Id, "wh_AAAAAAAAAAAAAAAAAAAAAA", CancellationToken.None));
        Assert.Empty(await Store.SigningSecretsAsync(session.Id, "wh_AAAAAAAAAAAAAAAAAAAAAA", CancellationToken.None));
        Assert.Null(await Store.FindAsync(session.Id, "../x", CancellationToken.None));
    }
}
