using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using ChatSend.Storage;
using Microsoft.AspNetCore.WebUtilities;

namespace ChatSend.Host.Queues;

/// <summary>
/// Wakes this host's queue listeners when this host puts a message on their queue: at once, or when a delayed message
/// becomes visible. The Functions host wakes its listener the same way for messages its own output bindings write. So
/// a listener backs off to <c>maxPollingInterval</c> while its queue is empty and still takes the host's new work at
/// once; a message another process puts waits for the next poll.
/// </summary>
public sealed class QueueWake
{
    private readonly TimeProvider _time;
    private readonly IReadOnlyDictionary<string, Signal> _queues;

    public QueueWake(IEnumerable<string> queues, TimeProvider time)
    {
        _time = time;
        _queues = queues.Distinct(StringComparer.Ordinal).ToDictionary(q => q, _ => new Signal(), StringComparer.Ordinal);
        Policy = new StoragePipelinePolicy(new PutWatcher(this));
    }

    /// <summary>Added to this host's storage clients: sees each put that landed and wakes the queue's listener.</summary>
    public StoragePipelinePolicy Policy { get; }

    /// <summary>A message was put on <paramref name="queue"/>, visible after <paramref name="visibleAfter"/>.</summary>
    public void Put(string queue, TimeSpan visibleAfter)
    {
        if (_queues.TryGetValue(queue, out var signal))
            signal.Add(_time.GetUtcNow() + visibleAfter);
    }

    /// <summary>
    /// Waits <paramref name="longest"/>, or until a message put on <paramref name="queue"/> is visible: true when woken
    /// by one, false when the time ran out (or the host stops).
    /// </summary>
    public async Task<bool> WaitAsync(string queue, TimeSpan longest, CancellationToken cancellationToken)
    {
        var signal = _queues[queue];
        var deadline = _time.GetUtcNow() + longest;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            var (visible, next, changed) = signal.Take(now);
            if (visible)
                return true;
            if (now >= deadline)
                return false;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(changed, Task.Delay((next < deadline ? next : deadline) - now, _time, wait.Token));
            await wait.CancelAsync();
        }
        return false;
    }

    private sealed class Signal
    {
        private readonly Lock _gate = new();
        private readonly PriorityQueue<DateTimeOffset, DateTimeOffset> _visibleAt = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(DateTimeOffset visibleAt)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                _visibleAt.Enqueue(visibleAt, visibleAt);
                (changed, _changed) = (_changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            changed.TrySetResult();
        }

        /// <summary>Whether a message has become visible (taking every one that has), when the next will, and a task that ends on the next put.</summary>
        public (bool Visible, DateTimeOffset Next, Task Changed) Take(DateTimeOffset now)
        {
            lock (_gate)
            {
                var visible = false;
                while (_visibleAt.TryPeek(out _, out var at) && at <= now)
                {
                    _visibleAt.Dequeue();
                    visible = true;
                }
                return (visible, _visibleAt.TryPeek(out _, out var next) ? next : DateTimeOffset.MaxValue, _changed.Task);
            }
        }
    }

    // A put is POST <queue>/messages answered 201, its delay in the visibilitytimeout parameter (seconds). A table
    // insert has the same shape (POST <table>, 201) but names no listened queue.
    private sealed class PutWatcher(QueueWake wake) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            Seen(message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            Seen(message);
        }

        private void Seen(HttpMessage message)
        {
            if (message.Request.Method != RequestMethod.Post || !message.HasResponse || message.Response.Status != 201)
                return;
            var uri = message.Request.Uri.ToUri();
            if (uri.Segments is not [.., var queue, "messages" or "messages/"])
                return;
            var delay = QueryHelpers.ParseQuery(uri.Query).TryGetValue("visibilitytimeout", out var seconds) && int.TryParse(seconds, out var s) ? s : 0;
            wake.Put(queue.TrimEnd('/'), TimeSpan.FromSeconds(delay));
        }
    }
}
