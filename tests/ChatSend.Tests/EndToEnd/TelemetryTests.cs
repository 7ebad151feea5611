using System.Diagnostics;
using System.Net;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Telemetry;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Spans = ChatSend.Telemetry.ChatSendTelemetry.Spans;
using Tags = ChatSend.Telemetry.ChatSendTelemetry.Tags;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// One message through the local host on Azurite (POST /send, the deliveries queue, the sandbox provider, its
/// delivered and read receipts), with the telemetry both hosts register and an in-memory exporter added. The listener
/// of a tracer provider hears every ChatSend span in the process, so spans are picked by the message's trace.
/// </summary>
public sealed class TelemetryTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const string Phone = "12025550123";
    private const string Text = "telemetry never carries this";
    private readonly List<Activity> _spans = [];
    private readonly List<Metric> _metrics = [];
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, services: services => services
        .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans))
        .ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics)));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task OneMessageIsOneTraceFromSendThroughTheQueueToTheProviderAndEachReceipt()
    {
        var id = await SendAndWaitForReadAsync();
        var trace = await Eventually.MatchesAsync(() => Task.FromResult(TraceOf(id)),
            t => t.Count(s => s.OperationName == Spans.Receipt) == 2);

        var send = Single(trace, Spans.Send);
        var request = Assert.Single(trace, s => s.SpanId == send.ParentSpanId);
        Assert.Equal(ActivityKind.Server, request.Kind); // under the ASP.NET Core request span
        // The queue the job went to: the shard of the deliveries queue its message's id picks.
        var deliveries = StorageNames.Shard(StorageNames.DeliveriesQueue, ChatSend.Queues.QueueShards.ShardOf(id, TestQueueShards.Count));
        var put = Assert.Single(trace, s => s.OperationName == Spans.QueuePut && (string?)s.GetTagItem(Tags.Destination) == deliveries);
        Assert.Equal(send.SpanId, put.ParentSpanId);

        var deliver = Single(trace, Spans.Deliver);
        Assert.Equal(send.SpanId, deliver.ParentSpanId); // restored from the job
        Assert.Equal(("sent", 1), ((string?)deliver.GetTagItem(Tags.Outcome), (int?)deliver.GetTagItem(Tags.Attempt)));
        Assert.Contains(deliver.Links, l => l.Context.TraceId != send.TraceId); // the listener's span it ran in
        var provider = Single(trace, Spans.ProviderSend);
        Assert.Equal(deliver.SpanId, provider.ParentSpanId);
        Assert.Equal((ActivityKind.Client, "sandbox", "ok"),
            (provider.Kind, (string?)provider.GetTagItem(Tags.Provider), (string?)provider.GetTagItem(Tags.Outcome)));
        Assert.Contains(trace, s => s.Source.Name == "System.Net.Http" && s.ParentSpanId == provider.SpanId); // its HTTP calls

        var receipts = trace.Where(s => s.OperationName == Spans.Receipt).ToList();
        Assert.All(receipts, r => Assert.Equal((send.SpanId, "applied"), (r.ParentSpanId, (string?)r.GetTagItem(Tags.Outcome))));
        Assert.Equal(["delivered", "read"], receipts.Select(r => (string?)r.GetTagItem(Tags.Status)).Order());

        var row = (await _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(id)))!;
        Assert.Equal(send.Id, row.TraceParent); // the row keeps the send's context for what comes later
    }

    [Fact]
    public async Task NoSpanCarriesThePhoneNumberOrTheText()
    {
        var id = await SendAndWaitForReadAsync();
        var trace = await Eventually.MatchesAsync(() => Task.FromResult(TraceOf(id)),
            t => t.Count(s => s.OperationName == Spans.Receipt) == 2);

        foreach (var span in trace)
        {
            var text = span.DisplayName + string.Join(";", span.TagObjects.Select(t => $"{t.Key}={t.Value}"));
            Assert.DoesNotContain(Phone, text);
            Assert.DoesNotContain(Text, text);
        }
    }

    [Fact]
    public async Task ThePipelineEmitsTheMessageProviderAndQueueMetrics()
    {
        await SendAndWaitForReadAsync();

        string[] expected =
        [
            "chatsend.messages.accepted", "chatsend.messages.sent", "chatsend.messages.delivered", "chatsend.messages.read",
            "chatsend.delivery.accept_to_sent", "chatsend.provider.duration", "chatsend.queue.age",
        ];
        var meters = _app.Services.GetRequiredService<MeterProvider>();
        var names = await Eventually.MatchesAsync(() =>
        {
            meters.ForceFlush();
            lock (_metrics)
                return Task.FromResult(_metrics.Select(m => m.Name).ToHashSet());
        }, n => expected.All(n.Contains));
        Assert.Superset(expected.ToHashSet(), names);
        Assert.Equal("s", _metrics.First(m => m.Name == "chatsend.delivery.accept_to_sent").Unit);
    }

    private async Task<string> SendAndWaitForReadAsync()
    {
        var (session, key) = await _app.NewSessionAsync();
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"+{{Phone}}","text":"{{Text}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await Json.ReadAsync(response)).Str("id");
        var table = azurite.Clients.Table(StorageNames.MessagesTable);
        var messageId = MessageId.Parse(id);
        await Eventually.MatchesAsync(async () => (await table.GetEntityAsync<MessageEntity>(messageId.PartitionKey, messageId.RowKey)).Value.Status,
            status => status == "read");
        return id;
    }

    // The spans of the trace the message was sent in, once its send span is exported.
    private List<Activity> TraceOf(string messageId)
    {
        var spans = _spans.ToArray();
        return spans.FirstOrDefault(s => s.OperationName == Spans.Send && (string?)s.GetTagItem(Tags.MessageId) == messageId) is { } send
            ? spans.Where(s => s.TraceId == send.TraceId).ToList()
            : [];
    }

    private static Activity Single(List<Activity> trace, string name) => Assert.Single(trace, s => s.OperationName == name);
}
