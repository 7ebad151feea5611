using System.Text.Json;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Receipts;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Integration;

/// <summary>What every provider gets from ChatSend: capabilities checked at /send, secrets by name, receipts by the provider's id.</summary>
public sealed class ProviderFrameworkTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["ChatSend:Secrets:meta_token"] = "token-value-never-stored",
        }, services: s => s.AddSingleton<IChannelProvider, TextOnlyProvider>());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<JsonElement> RefusedAsync(string provider, string fields)
    {
        var (session, key) = await _services.NewSessionAsync(provider);
        var (result, _) = await _services.SendRawAsync(key, $$"""{"session":"{{session.Id}}",{{fields}}}""");
        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal(422, problem.StatusCode);
        Assert.Empty(await _services.Get<MessageStore>().ListAsync(session, 10)); // nothing kept
        return JsonSerializer.SerializeToElement(problem.ProblemDetails, problem.ProblemDetails.GetType());
    }

    [Theory]
    [InlineData("\"to\":\"+12025550123\",\"imageUrl\":\"http://127.0.0.1:9/photo.jpg\"", "imageUrl", "does not send image")]
    [InlineData("\"to\":\"120363025246125486@g.us\",\"text\":\"hi\"", "to", "does not send to groups")]
    [InlineData("\"to\":\"+12025550123\",\"text\":\"hi\",\"preview\":{\"title\":\"t\"}", "preview", "custom link previews")]
    public async Task WhatTheProviderCannotSendIs422NamingTheFieldBeforeAnythingIsFetched(string fields, string field, string message)
    {
        var problem = await RefusedAsync(TextOnlyProvider.ProviderName, fields);
        Assert.Contains(message, Assert.Single(problem.GetProperty("errors").GetProperty(field).EnumerateArray()).GetString());
    }

    [Fact]
    public async Task ASessionWhoseProviderThisDeploymentLacksIs422NamingTheSession()
    {
        var problem = await RefusedAsync("a-provider-not-here", "\"to\":\"+12025550123\",\"text\":\"hi\"");
        Assert.True(problem.GetProperty("errors").TryGetProperty("session", out _));
    }

    [Fact]
    public async Task ASessionKeepsSecretNamesAndTheValuesComeFromConfiguration()
    {
        var store = _services.Get<SessionStore>();
        await store.UpsertAsync(new Session("cloud-1", "+442079460958", "sandbox", new Dictionary<string, string>(), true,
            new Dictionary<string, string> { ["accessToken"] = "meta_token", ["appSecret"] = "missing_secret" }));
        var session = (await store.FindAsync("cloud-1"))!;
        var secrets = _services.Get<ProviderSecrets>();

        Assert.Equal("meta_token", session.SecretNames!["accessToken"]);
        Assert.Equal("token-value-never-stored", secrets.Require(session, "accessToken"));
        var missing = Assert.Throws<ProviderException>(() => secrets.Require(session, "appSecret"));
        Assert.False(missing.IsTransient);
        Assert.Contains("ChatSend:Secrets:missing_secret", missing.Message);
        Assert.Null(secrets.Find(session, "verifyToken"));
        var row = (await azurite.Clients.Table(ChatSend.Storage.StorageNames.SessionsTable).GetEntityAsync<Azure.Data.Tables.TableEntity>("cloud-1", "session")).Value;
        Assert.DoesNotContain(row.Keys, k => row[k]?.ToString()?.Contains("token-value-never-stored") == true);
    }

    [Fact]
    public async Task AReceiptThatKnowsOnlyTheProvidersIdFindsItsMessage()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        var providerId = (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.ProviderMessageId!;

        var row = await _services.Get<ReceiptHandler>().ApplyAsync(
            new Receipt(null, MessageStatus.Delivered, ProviderMessageId: providerId, Provider: ScriptedProvider.ProviderName, Session: session.Id));

        Assert.Equal(("delivered", message.Id), (row!.Status, row.Id));
    }

    [Fact]
    public async Task AnIndexEntryWrittenBeforeSessionsWereItsKeyIsFoundForItsOwnSessionOnly()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        var providerId = "legacy-" + Guid.NewGuid().ToString("N");
        // As an earlier version wrote it: row = the provider's name alone.
        await azurite.Clients.Table(ChatSend.Storage.StorageNames.ProviderIdsTable).AddEntityAsync(
            new Azure.Data.Tables.TableEntity(Uri.EscapeDataString(providerId), ScriptedProvider.ProviderName) { ["MessageId"] = message.Id });
        var receipts = _services.Get<ReceiptHandler>();

        var other = await receipts.ApplyAsync(new Receipt(null, MessageStatus.Delivered, ProviderMessageId: providerId,
            Provider: ScriptedProvider.ProviderName, Session: "someone-else"));
        var own = await receipts.ApplyAsync(new Receipt(null, MessageStatus.Delivered, ProviderMessageId: providerId,
            Provider: ScriptedProvider.ProviderName, Session: session.Id));

        Assert.Null(other);
        Assert.Equal(("delivered", message.Id), (own!.Status, own.Id));
    }

    [Fact]
    public async Task AProvidersReceiptThatNamesNoSessionIsNotApplied()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        var providerId = (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.ProviderMessageId!;

        // As a version that did not record which session verified the callback queued it.
        await _services.Get<ReceiptHandler>().HandleAsync(
            QueueMessagesJson(new Receipt(null, MessageStatus.Read, ProviderMessageId: providerId, Provider: ScriptedProvider.ProviderName)),
            CancellationToken.None);

        Assert.Equal("sent", (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.Status);
        Assert.Contains(_services.Logs.Lines, l => l.Contains("Dropped a queue message that is not a valid Receipt"));
    }

    [Fact]
    public async Task AReceiptForAProviderIdNoMessageHasIsAcknowledgedAndTriedAgainLater()
    {
        var receipt = QueueMessagesJson(new Receipt(null, MessageStatus.Read, ProviderMessageId: "wamid.not-ours/==", Provider: "whatsapp-cloud",
            Session: "s1"));

        await _services.Get<ReceiptHandler>().HandleAsync(receipt, CancellationToken.None); // no throw: the queue deletes it

        // Its message may still be recording sent; after its last try it is dropped (ReceiptLookupTests).
        Assert.Contains(_services.Logs.Lines, l => l.Contains("for session s1: a provider id no message has yet; tried again in 00:00:01"));
    }

    private static string QueueMessagesJson(Receipt receipt) => ChatSend.Queues.QueueMessages.Serialize(receipt);

    /// <summary>A provider that sends one-to-one text only, without custom previews.</summary>
    private sealed class TextOnlyProvider : IChannelProvider
    {
        public const string ProviderName = "text-only";

        public string Name => ProviderName;

        public ProviderCapabilities Capabilities { get; } = new(new HashSet<MessageType> { MessageType.Text }, Groups: false, Preview: false);

        public Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken) =>
            Task.FromResult(new ProviderReceipt("text-only-" + message.Id.Value));
    }
}
