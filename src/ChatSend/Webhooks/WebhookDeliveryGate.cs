namespace ChatSend.Webhooks;

/// <summary>
/// Keeps one slow endpoint from filling this instance's queue workers: at most
/// <see cref="WebhookDeliveryPolicy.ConcurrencyPerEndpoint"/> deliveries per endpoint at once, and none while the
/// endpoint cools down after a timeout. A job turned away goes back on the queue for a short while instead of waiting
/// here, so the workers stay free for other endpoints and sessions.
/// </summary>
public sealed class WebhookDeliveryGate(WebhookDeliveryPolicy policy, TimeProvider time)
{
    private readonly Dictionary<string, State> _endpoints = [];

    private sealed class State
    {
        public int InFlight;
        public DateTimeOffset CoolUntil;

        /// <summary>Completed by the next <see cref="Exit"/>, for the jobs waiting in <see cref="EnterAsync"/>; made when one waits.</summary>
        public TaskCompletionSource? Freed;
    }

    /// <summary>Null when the delivery may go ahead (then <see cref="Exit"/> it); otherwise how long the job should wait.</summary>
    public TimeSpan? TryEnter(string endpoint) => TryEnter(endpoint, out _);

    // When the endpoint is only busy, freed is a task that completes when one of its deliveries exits.
    private TimeSpan? TryEnter(string endpoint, out Task? freed)
    {
        lock (_endpoints)
        {
            var state = _endpoints.TryGetValue(endpoint, out var found) ? found : _endpoints[endpoint] = new State();
            var now = time.GetUtcNow();
            freed = null;
            if (state.CoolUntil > now)
                return state.CoolUntil - now;
            if (state.InFlight >= policy.ConcurrencyPerEndpoint)
            {
                freed = (state.Freed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                return policy.BusyDelay;
            }
            state.InFlight++;
            return null;
        }
    }

    /// <summary>
    /// Like <see cref="TryEnter(string)"/>, but while the endpoint is only busy (not cooling down) it waits up to
    /// <see cref="WebhookDeliveryPolicy.BusyWait"/> on the clock for a place, woken by each <see cref="Exit"/>, so a fast
    /// endpoint's jobs go one after another here instead of each going back on the queue for
    /// <see cref="WebhookDeliveryPolicy.BusyDelay"/>.
    /// </summary>
    public async Task<TimeSpan?> EnterAsync(string endpoint, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var wait = TryEnter(endpoint, out var freed);
            var left = policy.BusyWait - time.GetElapsedTime(started);
            if (freed is null || left <= TimeSpan.Zero)
                return wait;
            try
            {
                await freed.WaitAsync(left, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // BusyWait has passed: one more try, then back on the queue.
            }
        }
    }

    public void Exit(string endpoint)
    {
        TaskCompletionSource? freed;
        lock (_endpoints)
        {
            if (!_endpoints.TryGetValue(endpoint, out var state))
                return;
            state.InFlight--;
            (freed, state.Freed) = (state.Freed, null);
            if (state.InFlight <= 0 && state.CoolUntil <= time.GetUtcNow())
                _endpoints.Remove(endpoint);
        }
        freed?.TrySetResult();
    }

    /// <summary>Holds back the endpoint's other jobs until <paramref name="until"/> (when its timed-out job is retried).</summary>
    public void CoolDown(string endpoint, DateTimeOffset until)
    {
        lock (_endpoints)
        {
            if (_endpoints.TryGetValue(endpoint, out var state) && until > state.CoolUntil)
                state.CoolUntil = until;
        }
    }

    public static string KeyOf(string session, string webhook) => session + "/" + webhook;
}
