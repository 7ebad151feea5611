using System.Diagnostics;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Telemetry;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace ChatSend.Host.Queues;

/// <summary>What to run for each message of one queue.</summary>
public sealed record QueueBinding(string Queue, Func<IServiceProvider, string, CancellationToken, Task> Handle);

/// <summary>
/// Drains one queue the way the Functions queue trigger does: batches of <c>batchSize</c>, a new batch when
/// in-flight work falls to <c>newBatchThreshold</c>, polling that backs off to <c>maxPollingInterval</c> when
/// idle and polls again at once when this host puts a message on the queue (<see cref="QueueWake"/>), a failed
/// message hidden for <c>visibilityTimeout</c> and retried, and after <c>maxDequeueCount</c> dequeues moved to
/// <c>&lt;queue&gt;-poison</c>.
/// </summary>
public sealed partial class QueueListener(
    QueueBinding binding,
    StorageClients storage,
    QueueWake wake,
    IServiceProvider services,
    IOptions<QueueListenerOptions> options,
    ILogger<QueueListener> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly QueueClient _queue = storage.Queue(binding.Queue);
    private readonly QueueClient _poison = storage.Queue(binding.Queue + StorageNames.PoisonSuffix);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var inFlight = new HashSet<Task>();
        var delay = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            inFlight.RemoveWhere(t => t.IsCompleted);
            if (inFlight.Count > o.Threshold)
            {
                await Task.WhenAny(inFlight);
                continue;
            }

            QueueMessage[] batch;
            try
            {
                // Polls are not per message and mostly empty: left out of traces, as the Functions host's are.
                using var untraced = SuppressInstrumentationScope.Begin();
                batch = (await _queue.ReceiveMessagesAsync(o.BatchSize, o.ProcessingLease, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Never let one bad poll stop the host: back off and poll again.
                LogReceiveFailed(binding.Queue, StorageFailure.Describe(ex));
                batch = [];
            }

            if (batch.Length == 0)
            {
                delay = await wake.WaitAsync(binding.Queue, delay, stoppingToken)
                    ? MinPollingInterval
                    : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, o.MaxPollingInterval.Ticks));
                continue;
            }
            delay = MinPollingInterval;
            foreach (var message in batch)
                inFlight.Add(HandleAsync(message, o, stoppingToken));
        }
        await Task.WhenAll(inFlight);
    }

    private async Task HandleAsync(QueueMessage message, QueueListenerOptions o, CancellationToken stoppingToken)
    {
        // The local counterpart of the Functions invocation span: the handler's own spans join their message's trace
        // and link back to this one.
        using var activity = ChatSendTelemetry.Source.StartActivity(ChatSendTelemetry.Spans.QueueProcess, ActivityKind.Consumer, parentContext: default);
        activity?.SetTag(ChatSendTelemetry.Tags.Destination, binding.Queue).SetTag(ChatSendTelemetry.Tags.Operation, "process")
            .SetTag("messaging.message.id", message.MessageId).SetTag("messaging.azure.queue.dequeue_count", message.DequeueCount);
        // Handed out more often than allowed without a recorded failure (a worker died mid-message): poison it unrun.
        if (message.DequeueCount > o.MaxDequeueCount)
        {
            await FailAsync(message, new Lease(message.PopReceipt), o, new InvalidOperationException($"dequeued {message.DequeueCount} times"));
            return;
        }
        var lease = new Lease(message.PopReceipt);
        using var handling = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewal = RenewAsync(message.MessageId, lease, o.ProcessingLease, handling.Token);
        Exception? failure = null;
        try
        {
            await binding.Handle(services, message.Body.ToString(), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and the message is handed out again.
            return;
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            await handling.CancelAsync();
            await renewal;
        }
        if (failure is null)
            await CompleteAsync(message, lease);
        else
        {
            activity?.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
            await FailAsync(message, lease, o, failure);
        }
    }

    private sealed class Lease(string popReceipt)
    {
        public string PopReceipt { get; set; } = popReceipt;
    }

    // Keeps the message hidden while it is handled, so only a worker that stops (a crash, a kill) lets it come back,
    // and then within one lease, as the Functions queue trigger does.
    private async Task RenewAsync(string messageId, Lease lease, TimeSpan duration, CancellationToken handling)
    {
        try
        {
            while (true)
            {
                await Task.Delay(duration / 3, handling);
                try
                {
                    lease.PopReceipt = (await _queue.UpdateMessageAsync(messageId, lease.PopReceipt, visibilityTimeout: duration,
                        cancellationToken: handling)).Value.PopReceipt;
                }
                catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, handling))
                {
                    LogReceiveFailed(binding.Queue, StorageFailure.Describe(ex));
                }
            }
        }
        catch (OperationCanceledException) when (handling.IsCancellationRequested)
        {
        }
    }

    private async Task CompleteAsync(QueueMessage message, Lease lease)
    {
        try
        {
            await _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            // Handled but not deleted: it comes back after the lease, and handlers are idempotent.
            LogReceiveFailed(binding.Queue, StorageFailure.Describe(ex));
        }
    }

    private async Task FailAsync(QueueMessage message, Lease lease, QueueListenerOptions o, Exception error)
    {
        try
        {
            if (message.DequeueCount >= o.MaxDequeueCount)
            {
                LogPoisoned(binding.Queue, message.MessageId, message.DequeueCount, error);
                await _poison.CreateIfNotExistsAsync();
                await _poison.SendMessageAsync(message.Body, timeToLive: TimeSpan.FromSeconds(-1));
                await _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt);
            }
            else
            {
                LogRetrying(binding.Queue, message.MessageId, message.DequeueCount, o.VisibilityTimeout, error);
                await _queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: o.VisibilityTimeout);
                wake.Put(binding.Queue, o.VisibilityTimeout);
            }
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            // The lease runs out and the message comes back with a higher dequeue count.
            LogReceiveFailed(binding.Queue, StorageFailure.Describe(ex));
        }
    }

    [LoggerMessage(LogLevel.Warning, "Queue {Queue}: polling failed ({Reason}); backing off")]
    private partial void LogReceiveFailed(string queue, string reason);

    [LoggerMessage(LogLevel.Warning, "Queue {Queue}: message {MessageId} failed on dequeue {DequeueCount}; retrying after {VisibilityTimeout}")]
    private partial void LogRetrying(string queue, string messageId, long dequeueCount, TimeSpan visibilityTimeout, Exception error);

    [LoggerMessage(LogLevel.Error, "Queue {Queue}: message {MessageId} failed on dequeue {DequeueCount}; moved to the poison queue")]
    private partial void LogPoisoned(string queue, string messageId, long dequeueCount, Exception error);
}

public static class QueueListenerServiceCollectionExtensions
{
    public const string HostJsonQueuesSection = "extensions:queues";

    /// <summary>
    /// A listener for every queue in <see cref="QueueEndpoints"/> of the shards in use (<c>ChatSend:Queues:Shards</c>;
    /// a value out of range is refused when the host starts), with the queue settings of host.json, overridable as in
    /// Azure (<c>AzureFunctionsJobHost__extensions__queues__…</c>).
    /// </summary>
    public static IServiceCollection AddQueueListeners(this IServiceCollection services, IConfiguration configuration)
    {
        var shards = int.TryParse(configuration[QueuesOptions.Section + ":" + nameof(QueuesOptions.Shards)], out var n) ? n : 1;
        var endpoints = QueueEndpoints.Active(shards).ToList();
        var hostJson = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "host.json"), optional: true)
            .Build();
        services.AddOptions<QueueListenerOptions>()
            .Bind(hostJson.GetSection(HostJsonQueuesSection))
            .Bind(configuration.GetSection("AzureFunctionsJobHost:" + HostJsonQueuesSection))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(sp => new QueueWake(endpoints.Select(e => e.Queue), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => sp.GetRequiredService<QueueWake>().Policy);
        foreach (var endpoint in endpoints)
        {
            var binding = new QueueBinding(endpoint.Queue,
                (sp, body, ct) => ((IQueueHandler)sp.GetRequiredService(endpoint.Handler)).HandleAsync(body, ct));
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueListener>(sp, binding));
        }
        return services;
    }
}
