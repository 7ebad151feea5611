using System.Net;
using Azure.Data.Tables;
using ChatSend.Auth;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// An insert of a fresh key that lands with its answer lost: the storage client tries again and is answered 409 on its
/// own row, which counts as landed (<see cref="FreshInserts"/>). The message insert is covered by
/// <see cref="AcceptanceTests"/>, the webhook log by <see cref="WebhookDeliveryHandlerTests"/>, the Idempotency-Key by
/// <see cref="IdempotencyTests"/>.
/// </summary>
public sealed class RetriedInsertTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, time: _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task ASandboxRecordWhoseAnswerIsLostLeavesTheMessageSentAtOnceAndRecordedOnce()
    {
        var (session, key) = await _services.NewSessionAsync(SandboxProvider.ProviderName);
        var (status, view, _) = await _services.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hello"}""");
        Assert.Equal(202, status);
        _services.Faults.Next(Fault.LoseAnswer, "POST " + StorageNames.SandboxTable);

        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(MessageId.Parse(view!.Id)), CancellationToken.None);

        // Sent by this one job, on the same clock: not left claimed until the lease runs out.
        var row = await _services.Get<MessageStore>().FindAsync(MessageId.Parse(view.Id));
        Assert.Equal(("sent", false, null), (row!.Status, row.HasMarker, row.ClaimId));
        var calls = await azurite.Clients.Table(StorageNames.SandboxTable).QueryAsync<TableEntity>(e => e.PartitionKey == view.Id).ToListAsync();
        Assert.Equal(row.ProviderMessageId, Assert.Single(calls).RowKey);
    }

    [Fact]
    public async Task AWebhookWhoseInsertAnswerIsLostIsCreatedOnceAnd201()
    {
        var faults = new StorageFaults();
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            [ChatSend.Host.LocalHost.QueueListenersSetting] = "false",
        }, services => services.AddSingleton(new StoragePipelinePolicy(faults)));
        var (session, key) = await app.NewSessionAsync();
        faults.Next(Fault.LoseAnswer, "POST " + StorageNames.WebhooksTable);

        using var created = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key,
            """{"url":"https://8.8.8.8/hooks/chatsend"}"""));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await Json.ReadAsync(created)).Str("id");
        using var listed = await app.Http.SendAsync(app.Request(HttpMethod.Get, $"/sessions/{session.Id}/webhooks", key));
        var item = Assert.Single((await Json.ReadAsync(listed)).GetProperty("items").EnumerateArray());
        Assert.Equal(id, item.Str("id"));
        Assert.Contains(faults.Calls, c => c == "POST " + StorageNames.WebhooksTable); // the fault was met
    }

    [Fact]
    public async Task AnApiKeyWhoseInsertAnswerIsLostIsCreatedAndWorks()
    {
        _services.Faults.Next(Fault.LoseAnswer, "POST " + StorageNames.ApiKeysTable);

        var key = await _services.Get<ApiKeyStore>().CreateAsync("retried", ["s1"]);

        var scope = await _services.Get<ApiKeyStore>().AuthenticateAsync(key);
        Assert.NotNull(scope);
        Assert.Single(await azurite.Clients.Table(StorageNames.ApiKeysTable).QueryAsync<TableEntity>(e => e.PartitionKey == scope.KeyId).ToListAsync());
    }
}
