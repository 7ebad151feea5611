using System.Net.Http.Json;
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
/// The delivery handler driven job by job on a fake clock. Webhooks are registered over HTTP by a local host without
/// queue listeners; a second set of services over the same Azurite publishes and delivers.
/// </summary>
public sealed class WebhookDeliveryHandlerTests(Azurite azurite, WebhookReceiver receiver)
    : IClassFixture<Azurite>, IClassFixture<WebhookReceiver>, IAsyncLifetime
{
    // The jobs are taken off one queue in the order they came: one shard, whatever CHATSEND_TEST_QUEUE_SHARDS says.
    private const string ShardsSetting = ChatSend.Queues.QueuesOptions.Section + ":" + nameof(ChatSend.Queues.QueuesOptions.Shards);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestApp _registry = null!;
    private QueueClient Jobs => azurite.Clients.Queue(StorageNames.WebhookDeliveriesQueue);

    public async Task InitializeAsync()
    {
        _registry = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            [ShardsSetting] = "1",
            [ChatSend.Host.LocalHost.QueueListenersSetting] = "false",
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.0/8",
            ["ChatSend:Webhooks:AllowHttp"] = "true",
        });
        await Jobs.ClearMessagesAsync();
    }

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private TestServices Delivery(string allowedPrivateNetworks = "127.0.0.0/8") =>
        new(azurite.ConnectionString, new Dictionary<string, string?>
        {
            [ShardsSetting] = "1",
            ["ChatSend:Media:AllowedPrivateNetworks"] = allowedPrivateNetworks,
            ["ChatSend:Webhooks:AllowHttp"] = "true",
        }, _clock, s => s.AddSingleton(new WebhookDeliveryPolicy { BaseDelay = TimeSpan.FromSeconds(1) }));

    private static string NewHook() => "h" + Guid.NewGuid().ToString("N")[..10];

    // Sent through the registry's host, so the delivering services have read nothing of the session before.
    private async Task<(WebhookApi Api, string Session, MessageEntity Message)> SessionWithMessageAsync(TestServices services)
    {
        var (session, key) = await _registry.NewSessionAsync();
        using var response = await _registry.Http.SendAsync(_registry.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hello"}"""));
        var id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var message = await services.Get<MessageStore>().FindAsync(MessageId.Parse(id));
        return (new WebhookApi(_registry, session.Id, key), session.Id, message!);
    }

    private static Task PublishQueuedAsync(TestServices services, MessageEntity message) =>
        services.Get<WebhookSink>().PublishAsync(message.PartitionKey, [MessageEvents.Create(message, message.GetHistory()[0])], CancellationToken.None);

    /// <summary>Waits for the next job (a retry comes after its delay) and hands it to the handler.</summary>
    private async Task<WebhookDeliveryJob> HandleNextAsync(TestServices services)
    {
        var received = await Eventually.MatchesAsync(async () => (await Jobs.ReceiveMessageAsync()).Value, m => m is not null);
        await services.Get<WebhookDeliveryHandler>().HandleAsync(received.Body.ToString(), CancellationToken.None);
        await Jobs.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        Assert.True(Queues.QueueMessages.TryRead<WebhookDeliveryJob>(received.Body.ToString(), out var job));
        return job;
    }

    [Fact]
    public async Task AnEndpointWhoseHostNowResolvesToAPrivateAddressIsRefusedAtConnectAndTheAttemptIsLogged()
    {
        await using var services = Delivery(allowedPrivateNetworks: ""); // localhost passed at registration; now it may not
        var (api, _, message) = await SessionWithMessageAsync(services);
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.LocalhostUrl(hook));

        await PublishQueuedAsync(services, message);
        await HandleNextAsync(services);

        Assert.Empty(receiver.For(hook));
        var attempt = Assert.Single((await api.GetAsync(webhook.Id))["lastDeliveries"]!.AsArray());
        Assert.Null((int?)attempt!["status"]);
        Assert.StartsWith("address refused", (string?)attempt["error"]);
    }

    [Fact]
    public async Task AnAttemptWhoseLogAnswerIsLostIsLoggedOnceAndTheDeliveryGoesOn()
    {
        await using var services = Delivery();
        var (api, _, message) = await SessionWithMessageAsync(services);
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook));
        services.Faults.Next(Fault.LoseAnswer, "POST " + StorageNames.WebhookLogTable);

        await PublishQueuedAsync(services, message);
        await HandleNextAsync(services);

        Assert.Single(receiver.For(hook)); // the job finished: it is not run again to deliver the event twice
        var attempt = Assert.Single((await api.GetAsync(webhook.Id))["lastDeliveries"]!.AsArray());
        Assert.Equal(200, (int?)attempt!["status"]);
        Assert.Equal(0, (await Jobs.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Contains(services.Faults.Calls, c => c == "POST " + StorageNames.WebhookLogTable);
    }

    [Fact]
    public async Task EveryAttemptIsCountedForTheOperatorByEndpointAndOutcome()
    {
        await using var services = Delivery();
        var (api, _, message) = await SessionWithMessageAsync(services);
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook));
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(503));
        var outcomes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "chatsend.webhooks.deliveries")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var all = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            if (all.GetValueOrDefault("endpoint") == webhook.Id) // other tests' endpoints count too
                outcomes.Enqueue(all["outcome"]!);
        });
        listener.Start();

        await PublishQueuedAsync(services, message);
        await HandleNextAsync(services);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await HandleNextAsync(services);

        Assert.Equal(["retrying", "delivered"], outcomes);
    }

    [Fact]
    public async Task AnEndpointFailingForRetryForIsDisabledWithTheReason()
    {
        await using var services = Delivery();
        var (api, _, message) = await SessionWithMessageAsync(services);
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook));
        var since = _clock.GetUtcNow();
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(503));
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(503));

        await PublishQueuedAsync(services, message);
        await HandleNextAsync(services); // fails: the endpoint is failing since now, the event is retried
        _clock.Advance(TimeSpan.FromHours(24));
        await HandleNextAsync(services); // fails a day later: disabled instead of retried

        var listed = await api.GetAsync(webhook.Id);
        Assert.False((bool)listed["enabled"]!);
        Assert.Equal($"failing since {since.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}: HTTP 503", (string?)listed["disabledReason"]);
        Assert.Equal(2, receiver.For(hook).Count);
        Assert.Equal(0, (await Jobs.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Contains(services.Logs.Lines, l => l.Contains("disabled: failing since"));
    }

    [Fact]
    public async Task AnEventStillFailingWhenItsRetryWindowEndsIsGivenUpAndItsEndpointDisabled()
    {
        await using var services = Delivery();
        var (api, _, message) = await SessionWithMessageAsync(services);
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook));
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(500));
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(500));

        await PublishQueuedAsync(services, message);
        await HandleNextAsync(services);
        _clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1)); // no attempt falls on the day's end: the next is past it
        await HandleNextAsync(services);

        Assert.Equal(2, receiver.For(hook).Count);
        Assert.Equal(0, (await Jobs.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Contains(services.Logs.Lines, l => l.Contains("gave up") && l.Contains(message.Id));
        // Nothing reached it since its events started failing: it has been failing for their whole window.
        var listed = await api.GetAsync(webhook.Id);
        Assert.False((bool)listed["enabled"]!);
        Assert.StartsWith("failing since ", (string?)listed["disabledReason"]);
    }

    [Fact]
    public async Task EventsGivenUpOnAnEndpointThatTookOthersMeanwhileLeaveItEnabled()
    {
        await using var services = Delivery();
        var (api, _, message) = await SessionWithMessageAsync(services);
        var (_, _, later) = await SessionWithMessageAsync(services); // another session's message, published to the same endpoint
        var hook = NewHook();
        var webhook = await api.RegisterAsync(receiver.Url(hook));
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(500));

        await PublishQueuedAsync(services, message);
        await HandleNextAsync(services); // fails
        await services.Get<WebhookSink>().PublishAsync(message.PartitionKey,
            [MessageEvents.Create(later, later.GetHistory()[0])], CancellationToken.None);
        await HandleNextAsync(services); // another event is delivered while the first waits for its retry
        receiver.AnswerNext(hook, new WebhookReceiver.Answer(500));
        _clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        await HandleNextAsync(services); // fails again, and is given up

        Assert.Contains(services.Logs.Lines, l => l.Contains("gave up") && l.Contains(message.Id));
        Assert.True((bool)(await api.GetAsync(webhook.Id))["enabled"]!);
    }

    [Fact]
    public async Task AMessageOfFourThousandEmojiFitsOneJobAndAnEventTooLargeForAnyIsLeftOutNotThrown()
    {
        await using var services = Delivery();
        var (api, session, message) = await SessionWithMessageAsync(services);
        var webhook = await api.RegisterAsync(receiver.Url(NewHook()));
        message.Content = string.Concat(Enumerable.Repeat("\U0001F600", 4096)); // the longest text /send takes, 4-byte runes
        var emoji = MessageEvents.Create(message, message.GetHistory()[0]);
        var huge = new Azure.Messaging.CloudEvent(MessageEvents.SourceOf(session), MessageEvents.TypePrefix + "sent",
            new { padding = new string('x', 60_000) }) { Id = message.Id + ":sent", Subject = message.Id };

        await services.Get<WebhookSink>().PublishAsync(session, [emoji], CancellationToken.None);
        await services.Get<WebhookSink>().PublishAsync(session, [huge], CancellationToken.None);

        var jobs = (await Jobs.ReceiveMessagesAsync(32)).Value
            .Select(m => Queues.QueueMessages.TryRead<WebhookDeliveryJob>(m.Body.ToString(), out var job) ? job : null)
            .Where(j => j!.Webhook == webhook.Id).ToList();
        Assert.Equal([message.Id + ":queued"], jobs.SelectMany(j => j!.Events).Select(e => WebhookDeliveryJob.IdOf(e)));
        Assert.Contains(services.Logs.Lines, l => l.Contains(message.Id + ":sent") && l.Contains("do not fit a queue message"));
    }

    [Fact]
    public async Task EachEndpointGetsItsOwnJobWithOnlyTheEventTypesItWants()
    {
        await using var services = Delivery();
        var (api, session, message) = await SessionWithMessageAsync(services);
        var all = await api.RegisterAsync(receiver.Url(NewHook()));
        await api.RegisterAsync(receiver.Url(NewHook()), MessageEvents.TypePrefix + "read");
        var sent = await api.RegisterAsync(receiver.Url(NewHook()), MessageEvents.TypePrefix + "sent");

        await services.Get<WebhookSink>().PublishAsync(session,
            [MessageEvents.Create(message, message.GetHistory()[0]), MessageEvents.Create(message, new StatusChange(MessageStatus.Sent, _clock.GetUtcNow()))],
            CancellationToken.None);

        var jobs = (await Jobs.ReceiveMessagesAsync(32)).Value.Select(m =>
            Queues.QueueMessages.TryRead<WebhookDeliveryJob>(m.Body.ToString(), out var job) ? job : null).ToList();
        Assert.Equal(2, jobs.Count);
        Assert.Equal([message.Id + ":queued", message.Id + ":sent"], jobs.Single(j => j!.Webhook == all.Id)!.Events.Select(e => WebhookDeliveryJob.IdOf(e)));
        Assert.Equal([message.Id + ":sent"], jobs.Single(j => j!.Webhook == sent.Id)!.Events.Select(e => WebhookDeliveryJob.IdOf(e)));
    }
}
