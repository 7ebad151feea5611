using System.Diagnostics;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Telemetry;
using ChatSend.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChatSend.Tests.Integration;

/// <summary>
/// The trace context and queue time a delivery job carries, driven through the handlers directly. The tracer provider
/// hears every ChatSend span in the process, so spans are picked by message id.
/// </summary>
public sealed class DeliveryTraceTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly List<Activity> _spans = [];
    private TracerProvider _tracing = null!;
    private TestServices _services = null!;
    private ShardedJobs Deliveries => azurite.Jobs(StorageNames.DeliveriesQueue);

    public async Task InitializeAsync()
    {
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource(ChatSendTelemetry.Name).AddInMemoryExporter(_spans).Build();
        _services = new TestServices(azurite);
        await Deliveries.ClearAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        _tracing.Dispose();
    }

    [Fact]
    public async Task AJobInTheOldFormatWithoutTraceOrTimeIsStillDelivered()
    {
        var message = await AcceptAsync();
        var old = $$"""{"id":"{{message.Id}}"}"""; // what /send queued before jobs carried a trace

        await _services.Get<DeliveryProcessor>().HandleAsync(old, CancellationToken.None);

        Assert.Equal("sent", (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.Status);
    }

    [Fact]
    public async Task AJobWithoutTraceLikeTheSweepersJoinsTheTraceStoredOnTheRow()
    {
        var message = await AcceptAsync();
        Assert.NotNull(message.TraceParent);

        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);

        var deliver = Assert.Single(SpansOf(message, ChatSendTelemetry.Spans.Deliver));
        Assert.Equal(message.TraceParent, $"00-{deliver.TraceId}-{deliver.ParentSpanId}-01");
    }

    [Fact]
    public async Task ARetryKeepsTheMessagesTraceAndCountsTheAttempt()
    {
        var message = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "transient", ["failures"] = "1" });

        await _services.Get<DeliveryProcessor>().HandleAsync(DeliveryJob.For(message), CancellationToken.None);
        var retry = (await Eventually.MatchesAsync(() => Deliveries.ReceiveAsync(), m => m.Count > 0, TimeSpan.FromSeconds(10)))[0];
        Assert.True(QueueMessages.TryRead<DeliveryJob>(retry.Body.ToString(), out var job));
        Assert.Equal(message.TraceParent, job.TraceParent);
        await _services.Get<DeliveryProcessor>().HandleAsync(job, CancellationToken.None);

        var attempts = SpansOf(message, ChatSendTelemetry.Spans.Deliver).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal([(1, "retrying"), (2, "sent")], attempts.Select(s => ((int?)s.GetTagItem(ChatSendTelemetry.Tags.Attempt), (string?)s.GetTagItem(ChatSendTelemetry.Tags.Outcome))));
        Assert.All(attempts, a => Assert.Equal(message.TraceParent, $"00-{a.TraceId}-{a.ParentSpanId}-01"));
        var calls = SpansOf(message, ChatSendTelemetry.Spans.ProviderSend).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(["transient", "ok"], calls.Select(s => (string?)s.GetTagItem(ChatSendTelemetry.Tags.Outcome)));
    }

    [Fact]
    public async Task AProviderRefusalCountsAFailureByCategoryNotByItsText()
    {
        var exported = new List<Metric>();
        using var metrics = Sdk.CreateMeterProviderBuilder().AddMeter(ChatSendTelemetry.Name).AddInMemoryExporter(exported).Build();
        var message = await AcceptAsync(new Dictionary<string, string> { ["outcome"] = "permanent" });

        await _services.Get<DeliveryProcessor>().HandleAsync(DeliveryJob.For(message), CancellationToken.None);
        metrics.ForceFlush();

        var failed = Assert.Single(exported, m => m.Name == "chatsend.messages.failed");
        var reasons = new List<string?>();
        foreach (var point in failed.GetMetricPoints())
            foreach (var tag in point.Tags)
                reasons.Add(tag.Key == ChatSendTelemetry.Tags.Reason ? tag.Value as string : null);
        Assert.Contains("provider_refused", reasons);
    }

    private async Task<MessageEntity> AcceptAsync(IDictionary<string, string>? settings = null)
    {
        var (session, key) = await _services.NewSessionAsync(settings: settings);
        var message = await _services.SendTextAsync(key, session.Id);
        await Deliveries.ClearAsync(); // the tests hand the jobs over themselves
        return message;
    }

    private List<Activity> SpansOf(MessageEntity message, string name) =>
        _spans.ToArray().Where(s => s.OperationName == name && (string?)s.GetTagItem(ChatSendTelemetry.Tags.MessageId) == message.Id).ToList();
}
