using System.Net;
using Azure;
using Azure.Messaging;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Send;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Integration;

/// <summary>The Event Grid sink as AddChatSend registers it, publishing to a fake topic over HTTPS with a recorded identity.</summary>
public sealed class EventGridSinkTests : IAsyncLifetime
{
    private readonly FakeEventGrid _grid = new();
    private readonly TestCredential _credential = new();
    private ServiceProvider? _services;

    public Task InitializeAsync() => _grid.InitializeAsync();

    public async Task DisposeAsync()
    {
        if (_services is not null)
            await _services.DisposeAsync();
        await _grid.DisposeAsync();
    }

    [Fact]
    public async Task PublishesStructuredCloudEventsToTheTopicWithATokenForEventGrid()
    {
        var sink = Sink();
        var (row, events) = Message("shop", [MessageStatus.Queued, MessageStatus.Sent]);

        await sink.PublishAsync("shop", events, CancellationToken.None);

        Assert.Empty(_grid.Violations);
        var request = Assert.Single(_grid.Accepted);
        Assert.Equal($"{FakeEventGrid.Path}?api-version={FakeEventGrid.ApiVersion}", request.PathAndQuery);
        Assert.Equal(FakeEventGrid.ContentType, request.ContentType);
        Assert.All(_credential.RequestedScopes, scopes => Assert.Equal(["https://eventgrid.azure.net/.default"], scopes));
        Assert.Equal(2, request.Events.Count);
        var sent = request.Events[1];
        Assert.Equal("1.0", (string?)sent["specversion"]);
        Assert.Equal($"{row.Id}:sent", (string?)sent["id"]);
        Assert.Equal("chatsend.message.sent", (string?)sent["type"]);
        Assert.Equal("/sessions/shop", (string?)sent["source"]);
        Assert.Equal(row.Id, (string?)sent["subject"]);
        Assert.Equal(events[1].Time, DateTimeOffset.Parse((string)sent["time"]!));
        Assert.Equal(row.Id, (string?)sent["data"]?["id"]);
        Assert.Equal("sent", (string?)sent["data"]?["status"]);
        Assert.Equal($"{row.Id}:queued", (string?)request.Events[0]["id"]);
        Assert.True(await sink.WantsAsync("any-session", CancellationToken.None));
    }

    [Fact]
    public async Task ConcurrentCallsShareRequestsAndEachCompletesWithItsOwn()
    {
        var sink = Sink(new() { ["ChatSend:Events:BatchWindow"] = "00:00:00.100" }); // wide enough for a busy test machine
        var calls = Enumerable.Range(0, 300).Select(i => Message($"s{i % 7}", [MessageStatus.Queued]).Events).ToList();

        await Task.WhenAll(calls.Select(events => Task.Run(() => sink.PublishAsync("s", events, CancellationToken.None))));

        Assert.Empty(_grid.Violations);
        var received = _grid.Accepted.SelectMany(r => r.Events).Select(e => (string)e["id"]!).ToList();
        Assert.Equal(calls.Select(c => c[0].Id).Order(), received.Order());
        Assert.InRange(_grid.Requests, 3, 15); // 100 events a request at most
        Assert.All(_grid.Accepted, r => Assert.InRange(r.Events.Count, 1, 100));
    }

    [Fact]
    public async Task ABatchStaysUnderItsEventCountAndTheOneMegabyteRequestLimit()
    {
        var sink = Sink(new() { ["ChatSend:Events:MaxBatchEvents"] = "4", ["ChatSend:Events:BatchWindow"] = "00:00:00.200" });
        var large = new string('x', 300_000);
        var calls = Enumerable.Range(0, 6).Select(_ => Message("shop", [MessageStatus.Queued], large).Events)
            .Concat(Enumerable.Range(0, 10).Select(_ => Message("shop", [MessageStatus.Queued]).Events)).ToList();

        await Task.WhenAll(calls.Select(events => sink.PublishAsync("shop", events, CancellationToken.None)));

        Assert.Empty(_grid.Violations); // no 413: every request was at most 1 MB
        Assert.Equal(16, _grid.Accepted.Sum(r => r.Events.Count));
        Assert.All(_grid.Accepted, r => Assert.InRange(r.Events.Count, 1, 4));
        Assert.All(_grid.Accepted, r => Assert.True(r.Events.Count(e => ((string)e["data"]!["content"]!).Length > 1000) <= 3));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, 3)] // retried twice by the client, then handed back to the caller
    [InlineData(HttpStatusCode.Unauthorized, 1)]        // e.g. the role assignment has not applied yet: not retried
    public async Task AFailedRequestFailsEveryCallInItAndTheirEventsGoOutWhenCalledAgain(HttpStatusCode status, int attempts)
    {
        var sink = Sink(new() { ["ChatSend:Events:BatchWindow"] = "00:00:00.200" });
        for (var i = 0; i < attempts; i++)
            _grid.Scripted.Enqueue(status);
        var calls = Enumerable.Range(0, 3).Select(_ => Message("shop", [MessageStatus.Queued]).Events).ToList();

        var failures = await Task.WhenAll(calls.Select(events =>
            Assert.ThrowsAsync<RequestFailedException>(() => sink.PublishAsync("shop", events, CancellationToken.None))));

        Assert.All(failures, ex => Assert.Equal((int)status, ex.Status));
        Assert.Equal(attempts, _grid.Requests);
        Assert.Empty(_grid.Accepted);

        await Task.WhenAll(calls.Select(events => sink.PublishAsync("shop", events, CancellationToken.None)));

        Assert.Equal(calls.Select(c => c[0].Id).Order(), _grid.Accepted.SelectMany(r => r.Events).Select(e => (string)e["id"]!).Order());
        Assert.Empty(_grid.Violations);
    }

    [Fact]
    public async Task ACallerThatGivesUpIsCanceledWithoutHoldingUpTheOthers()
    {
        var sink = Sink(new() { ["ChatSend:Events:BatchWindow"] = "00:00:00.500" });
        using var canceled = new CancellationTokenSource();
        var givingUp = sink.PublishAsync("shop", Message("shop", [MessageStatus.Read]).Events, canceled.Token);
        var staying = sink.PublishAsync("shop", Message("shop", [MessageStatus.Read]).Events, CancellationToken.None);

        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givingUp);
        await staying;
        Assert.Single(Assert.Single(_grid.Accepted).Events);
    }

    [Fact]
    public void NoEndpointNoSink()
    {
        using var services = Build(new() { ["ChatSend:Events:EventGridTopicEndpoint"] = "" });

        Assert.Empty(services.GetServices<IEventSink>().OfType<EventGridSink>());
    }

    [Theory]
    [InlineData("http://topic.westeurope-1.eventgrid.azure.net/api/events")]
    [InlineData("/api/events")]
    public void AnEndpointThatIsNotAbsoluteHttpsFailsOnStartNamingTheSetting(string endpoint)
    {
        using var services = Build(new() { ["ChatSend:Events:EventGridTopicEndpoint"] = endpoint });

        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetServices<IEventSink>().ToList());
        Assert.Contains(nameof(EventsOptions.EventGridTopicEndpoint), ex.Message);
    }

    [Theory]
    [InlineData("managedidentity", "00000000-0000-0000-0000-000000000001", typeof(Azure.Identity.ManagedIdentityCredential))]
    [InlineData(null, null, typeof(Azure.Identity.DefaultAzureCredential))]
    public void TheClientSignsInAsTheStorageConnectionDoes(string? credential, string? clientId, Type expected)
    {
        using var services = Build(new()
        {
            ["ChatSend:Events:EventGridTopicEndpoint"] = "https://topic.westeurope-1.eventgrid.azure.net/api/events",
            ["ChatSendStorage:credential"] = credential,
            ["ChatSendStorage:clientId"] = clientId,
        }, testIdentity: false);

        Assert.IsType(expected, services.GetRequiredService<EventGridCredential>().Credential);
        Assert.Single(services.GetServices<IEventSink>().OfType<EventGridSink>());
    }

    private EventGridSink Sink(Dictionary<string, string?>? settings = null)
    {
        _services = Build(new(settings ?? []) { ["ChatSend:Events:EventGridTopicEndpoint"] = _grid.Endpoint.ToString() });
        return Assert.Single(_services.GetServices<IEventSink>().OfType<EventGridSink>());
    }

    private ServiceProvider Build(Dictionary<string, string?> settings, bool testIdentity = true)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ChatSendStorage"] = "UseDevelopmentStorage=true" })
            .AddInMemoryCollection(settings)
            .Build();
        var services = new ServiceCollection().AddLogging().AddChatSend(configuration);
        if (testIdentity)
            services.AddSingleton(new EventGridCredential(_credential));
        services.AddSingleton(new EventGridClientSetup(o => o.Transport = _grid.Transport()));
        return services.BuildServiceProvider();
    }

    /// <summary>A message that reached <paramref name="statuses"/>, and its events as the outbox hands them over.</summary>
    private static (MessageEntity Row, IReadOnlyList<CloudEvent> Events) Message(string session, MessageStatus[] statuses, string text = "Hello")
    {
        var at = DateTimeOffset.UtcNow;
        var id = MessageId.New(session, at);
        var row = new MessageEntity
        {
            PartitionKey = id.PartitionKey, RowKey = id.RowKey, Id = id.Value, To = "+12025550123", Recipient = "+12025550123",
            Sender = "+15550100001", Content = text, Text = text, MessageType = MessageType.Text, AcceptedAt = at,
        };
        var events = new List<CloudEvent>();
        foreach (var (status, i) in statuses.Select((s, i) => (s, i)))
        {
            var change = new StatusChange(status, at.AddSeconds(i));
            Assert.True(row.Advance(change.Status, change.At));
            events.Add(MessageEvents.Create(row, change));
        }
        return (row, events);
    }
}
