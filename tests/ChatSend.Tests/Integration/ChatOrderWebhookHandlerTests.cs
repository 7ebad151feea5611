using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// A chat's received events at one webhook endpoint, driven job by job on a fake clock: the events dispatcher and the
/// delivery handler of a second set of services, over the messages a local host without queue listeners records
/// through the sandbox, as <see cref="WebhookDeliveryHandlerTests"/> does.
/// </summary>
public sealed class ChatOrderWebhookHandlerTests(Azurite azurite, WebhookReceiver receiver)
    : IClassFixture<Azurite>, IClassFixture<WebhookReceiver>, IAsyncLifetime
{
    // The jobs are taken off one queue in the order they came: one shard, whatever CHATSEND_TEST_QUEUE_SHARDS says.
    private const string ShardsSetting = ChatSend.Queues.QueuesOptions.Section + ":" + nameof(ChatSend.Queues.QueuesOptions.Shards);

    private const string Customer = "+14155550123";
    private const string Received = MessageEvents.TypePrefix + "received";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestApp _registry = null!;
    private QueueClient Jobs => azurite.Clients.Queue(StorageNames.WebhookDeliveriesQueue);

    public async Task InitializeAsync()
    {
        _registry = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            [ShardsSetting] = "1",
            [ChatSend.Host.LocalHost.QueueListenersSetting] = "false",
            ["ChatSend:Webhooks:AllowHttp"] = "true",
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.0/8",
        });
        await Jobs.ClearMessagesAsync();
    }

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private TestServices Delivery() =>
        new(azurite.ConnectionString, new Dictionary<string, string?>
        {
            [ShardsSetting] = "1",
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.0/8",
            ["ChatSend:Webhooks:AllowHttp"] = "true",
        }, _clock, s => s.AddSingleton(new WebhookDeliveryPolicy { BaseDelay = TimeSpan.FromSeconds(1) }));

    private async Task<(string Session, string Key, string Hook, string Webhook)> SessionWithWebhookAsync()
    {
        var (session, key) = await _registry.NewSessionAsync();
        var hook = "h" + Guid.NewGuid().ToString("N")[..10];
        var webhook = await new WebhookApi(_registry, session.Id, key).RegisterAsync(receiver.Url(hook), Received);
        return (session.Id, key, hook, webhook.Id);
    }

    /// <summary>The customer writes, through the registry's sandbox; the services hand the chat's received events on.</summary>
    private async Task<string> WriteAndDispatchAsync(TestServices services, string session, string key, string text)
    {
        using var response = await _registry.Http.SendAsync(_registry.Request(HttpMethod.Post, $"/sandbox/sessions/{session}/inbound", key,
            JsonSerializer.Serialize(new { from = Customer, text })));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = MessageId.Parse((await Json.ReadAsync(response)).Str("id"));
        var row = await services.Get<MessageStore>().FindAsync(id);
        await services.Get<EventDispatcher>().HandleAsync(new EventJob(id) { Chat = row!.Chat }, CancellationToken.None);
        return id.Value;
    }

    /// <summary>Hands the next job (a retry comes after its delay) to the handler, which must finish without the fake clock moving.</summary>
    private async Task HandleNextAsync(TestServices services, bool clockRuns = false)
    {
        var received = await Eventually.MatchesAsync(async () => (await Jobs.ReceiveMessageAsync()).Value, m => m is not null);
        var handling = services.Get<WebhookDeliveryHandler>().HandleAsync(received.Body.ToString(), CancellationToken.None);
        while (clockRuns && await Task.WhenAny(handling, Task.Delay(50)) != handling)
            _clock.Advance(TimeSpan.FromMilliseconds(500)); // a job behind its turn waits a little for the one before it
        Assert.True(await Task.WhenAny(handling, Task.Delay(TimeSpan.FromSeconds(15))) == handling,
            "the job is still waiting (on the fake clock) for something that does not come");
        await handling;
        await Jobs.DeleteMessageAsync(received.MessageId, received.PopReceipt);
    }

    private IReadOnlyList<string> Posted(string hook) => receiver.For(hook).Select(r => (string)JsonNode.Parse(r.Body)!["subject"]!).ToList();

    [Fact]
    public async Task AChatsFirstEventIsPostedAtOnceNotAfterWaitingForAnEventBeforeIt()
    {
        await using var services = Delivery();
        var (session, key, hook, _) = await SessionWithWebhookAsync();
        var first = await WriteAndDispatchAsync(services, session, key, "hello");

        await HandleNextAsync(services);

        Assert.Equal([first], Posted(hook));
    }

    [Fact]
    public async Task AnEventWhoseTurnCameOnAnotherInstanceIsPostedAtOnce()
    {
        await using var services = Delivery();
        await using var elsewhere = Delivery();
        var (session, key, hook, _) = await SessionWithWebhookAsync();
        var first = await WriteAndDispatchAsync(services, session, key, "one");
        await HandleNextAsync(elsewhere);
        var second = await WriteAndDispatchAsync(services, session, key, "two");

        await HandleNextAsync(services);

        Assert.Equal([first, second], Posted(hook));
    }

    [Fact]
    public async Task AnEventBeingRetriedWhenTheEndpointsEventsChangeButStillWantReceivedOnesIsNotDropped()
    {
        await using var services = Delivery();
        var (session, key, hook, webhook) = await SessionWithWebhookAsync();
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(503));
        var first = await WriteAndDispatchAsync(services, session, key, "one");
        var second = await WriteAndDispatchAsync(services, session, key, "two");
        await HandleNextAsync(services); // "one" answered 503: back on the queue after its backoff

        using (var response = await _registry.Http.SendAsync(_registry.Request(HttpMethod.Patch, $"/sessions/{session}/webhooks/{webhook}", key,
                   $$"""{"events":["{{Received}}","{{MessageEvents.TypePrefix}}read"]}""")))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        for (var i = 0; i < 8 && (await Jobs.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            await HandleNextAsync(services, clockRuns: true); // "two" first, as it is on the queue now and "one"'s retry only a second later
        }

        Assert.Equal([first, first, second], Posted(hook));
    }

    [Fact]
    public async Task AnEventTooLargeForAQueueMessageIsLeftOutWithoutHoldingTheChatsNextOne()
    {
        await using var services = Delivery();
        var (session, _, hook, _) = await SessionWithWebhookAsync();
        // Events of a chat numbered 1 and 2, the first far larger than a queue message (a provider's contact cards, say).
        var message = new MessageEntity { PartitionKey = session, RowKey = "0000000000000000aaaaaaaaaa", Id = $"msg_{session}_0000000000000000aaaaaaaaaa",
            Direction = MessageDirections.Inbound, Chat = Customer, Sender = Customer, Type = "text", Content = new string('x', 60_000) };
        message.Advance(MessageStatus.Received, DateTimeOffset.UtcNow);
        var next = new MessageEntity { PartitionKey = session, RowKey = "0000000000000000bbbbbbbbbb", Id = $"msg_{session}_0000000000000000bbbbbbbbbb",
            Direction = MessageDirections.Inbound, Chat = Customer, Sender = Customer, Type = "text", Content = "after it" };
        next.Advance(MessageStatus.Received, DateTimeOffset.UtcNow);

        await services.Get<WebhookSink>().PublishAsync(session,
            [MessageEvents.Create(message, message.GetHistory()[0], 1), MessageEvents.Create(next, next.GetHistory()[0], 2)], CancellationToken.None);
        await HandleNextAsync(services);
        await HandleNextAsync(services);

        Assert.Equal([next.Id], receiver.For(hook).Select(r => (string)JsonNode.Parse(r.Body)!["subject"]!));
        Assert.Contains(services.Logs.Lines, l => l.Contains("do not fit a queue message", StringComparison.Ordinal));
    }
}
