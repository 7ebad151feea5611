using System.Text.Json;
using System.Threading.Channels;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Events;

/// <summary>
/// Publishes every session's events to the Event Grid topic. Calls that arrive within <see cref="EventsOptions.BatchWindow"/>
/// of each other share one request (up to <see cref="EventsOptions.MaxBatchEvents"/> events and under Event Grid's 1 MB
/// request limit), and each call completes only when the request carrying its events was accepted, or throws with that
/// request's error: the outbox never counts unsent events as published.
/// </summary>
public sealed partial class EventGridSink : IEventSink, IAsyncDisposable, IDisposable
{
    /// <summary>Event Grid refuses a request over 1 MB; keep the JSON array under it with room for the brackets and commas.</summary>
    internal const int MaxBatchBytes = 1_000_000;

    /// <summary>Requests in flight at once: batches keep forming while earlier ones are on the wire.</summary>
    private const int MaxConcurrentRequests = 4;

    private readonly EventGridPublisherClient _client;
    private readonly EventsOptions _options;
    private readonly ILogger<EventGridSink> _logger;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _requests = new(MaxConcurrentRequests, MaxConcurrentRequests);
    private readonly Task _batching;

    public EventGridSink(EventGridPublisherClient client, IOptions<EventsOptions> options, ILogger<EventGridSink> logger)
    {
        _client = client;
        _options = options.Value;
        _logger = logger;
        _batching = Task.Run(BatchAsync);
    }

    /// <summary>One caller's events, and the task it waits on.</summary>
    private sealed record Pending(IReadOnlyList<CloudEvent> Events, int Bytes, CancellationToken CancellationToken)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The topic takes every session's events.</summary>
    public ValueTask<bool> WantsAsync(string session, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public Task PublishAsync(string session, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
            return Task.CompletedTask;
        var pending = new Pending(events, events.Sum(e => JsonSerializer.SerializeToUtf8Bytes(e).Length + 1), cancellationToken);
        if (!_pending.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(EventGridSink));
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task BatchAsync()
    {
        Pending? next = null;
        while (next is not null || await _pending.Reader.WaitToReadAsync())
        {
            var (batch, carried) = await CollectAsync(next);
            next = carried;
            if (batch.Count == 0)
                continue;
            await _requests.WaitAsync();
            _ = SendAsync(batch);
        }
    }

    /// <summary>
    /// The calls that share the next request: <paramref name="first"/> (or the first to arrive), then whatever arrives
    /// within the window while the request has room. A call that does not fit is returned to start the next one.
    /// </summary>
    private async Task<(List<Pending> Batch, Pending? Carried)> CollectAsync(Pending? first)
    {
        var batch = new List<Pending>();
        int events = 0, bytes = 0;
        using var window = new CancellationTokenSource(_options.BatchWindow);
        var next = first;
        while (events < _options.MaxBatchEvents)
        {
            if (next is null && !_pending.Reader.TryRead(out next))
            {
                if (!await WaitForMoreAsync(window.Token))
                    break;
                continue;
            }
            if (batch.Count > 0 && (events + next.Events.Count > _options.MaxBatchEvents || bytes + next.Bytes > MaxBatchBytes))
                return (batch, next);
            batch.Add(next);
            events += next.Events.Count;
            bytes += next.Bytes;
            next = null;
        }
        return (batch, null);
    }

    /// <summary>False once the window has passed or no more calls can come.</summary>
    private async Task<bool> WaitForMoreAsync(CancellationToken window)
    {
        try
        {
            return await _pending.Reader.WaitToReadAsync(window);
        }
        catch (OperationCanceledException) when (window.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task SendAsync(List<Pending> collected)
    {
        // A caller that gave up has stopped waiting; its events stay with the outbox, so they are left out.
        var batch = collected.Where(p => !p.CancellationToken.IsCancellationRequested).ToList();
        try
        {
            if (batch.Count > 0)
                await _client.SendEventsAsync(batch.SelectMany(p => p.Events));
            foreach (var pending in batch)
                pending.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, batch.Sum(p => p.Events.Count), batch.Count);
            foreach (var pending in batch)
                pending.Done.TrySetException(ex);
        }
        finally
        {
            _requests.Release();
        }
    }

    /// <summary>Takes no more calls; what was handed over is still sent, without waiting for it here.</summary>
    public void Dispose() => _pending.Writer.TryComplete();

    /// <summary>Sends what was handed over and waits for the requests in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_pending.Writer.TryComplete())
            return;
        await _batching;
        for (var i = 0; i < MaxConcurrentRequests; i++)
            await _requests.WaitAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {EventCount} events of {CallCount} calls to Event Grid failed; they are published again later")]
    private partial void LogPublishFailed(Exception exception, int eventCount, int callCount);
}
