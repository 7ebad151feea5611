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
    }

    /// <summary>Null when the delivery may go ahead (then <see cref="Exit"/> it); otherwise how long the job should wait.</summary>
    public TimeSpan? TryEnter(string endpoint) => TryEnter(endpoint, out _);

    private TimeSpan? TryEnter(string endpoint, out bool busy)
    {
        lock (_endpoints)
        {
            var state = _endpoints.TryGetValue(endpoint, out var found) ? found : _endpoints[endpoint] = new State();
            var now = time.GetUtcNow();
            busy = false;
            if (state.CoolUntil > now)
                return state.CoolUntil - now;
            busy = state.InFlight >= policy.ConcurrencyPerEndpoint;
            if (busy)
                return policy.BusyDelay;
            state.InFlight++;
            return null;
        }
    }

    /// <summary>
    /// Like <see cref="TryEnter(string)"/>, but while the endpoint is only busy (not cooling down) it waits up to
    /// <see cref="WebhookDeliveryPolicy.BusyWait"/> of real time for a place, so a fast endpoint's jobs go one after another
    /// here instead of each going back on the queue for <see cref="WebhookDeliveryPolicy.BusyDelay"/>.
    /// </summary>
    public async Task<TimeSpan?> EnterAsync(string endpoint, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var wait = TryEnter(endpoint, out var busy);
            if (!busy || waited.Elapsed >= policy.BusyWait)
                return wait;
            await Task.Delay(PollEvery, cancellationToken);
        }
    }

    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(10);

    public void Exit(string endpoint)
    {
        lock (_endpoints)
        {
            if (!_endpoints.TryGetValue(endpoint, out var state))
                return;
            state.InFlight--;
            if (state.InFlight <= 0 && state.CoolUntil <= time.GetUtcNow())
                _endpoints.Remove(endpoint);
        }
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
