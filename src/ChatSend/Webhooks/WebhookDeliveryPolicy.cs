namespace ChatSend.Webhooks;

/// <summary>What an attempt's answer means for the event.</summary>
public enum WebhookOutcome
{
    /// <summary>2xx.</summary>
    Delivered,

    /// <summary>Timeout, no connection, a refused address, 408, 409, 429 or 5xx: tried again after a backoff.</summary>
    Retry,

    /// <summary>Any other answer (a 3xx, another 4xx), or a URL that may not be called: not tried again.</summary>
    Refused,
}

/// <summary>
/// How far apart a failing event is retried: exponential from <see cref="BaseDelay"/>, doubling, capped at
/// <see cref="MaxDelay"/>, ±20 % jitter so the retries of a burst spread out, and never sooner than the receiver's
/// <c>Retry-After</c>. Not an options class: the numbers are part of the contract docs/events-and-webhooks.md states ("Answers and retries"); tests shorten them.
/// </summary>
public sealed class WebhookDeliveryPolicy
{
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Deliveries to one endpoint under way at once on one instance; a job beyond it waits on the queue.</summary>
    public int ConcurrencyPerEndpoint { get; init; } = 2;

    /// <summary>
    /// How long a job that finds its endpoint busy waits here for a place before it goes back on the queue: long enough
    /// that a fast endpoint's jobs follow each other at once, short enough that a slow one's hold no worker for long.
    /// </summary>
    public TimeSpan BusyWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a job waits, on this instance, for the message's previous event to the same endpoint (<see cref="WebhookOrder"/>).</summary>
    public TimeSpan OrderWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a job that found its endpoint busy waits on the queue before it looks again.</summary>
    public TimeSpan BusyDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a chat's job that is not its turn yet first waits on the queue; doubled each time, up to <see cref="TurnDelayMax"/>.</summary>
    public TimeSpan TurnDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan TurnDelayMax { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The wait before a chat's job looks for its turn again, the <paramref name="waits"/>th time (1 for the first).</summary>
    public TimeSpan TurnDelayFor(int waits) =>
        TimeSpan.FromSeconds(Math.Min(TurnDelayMax.TotalSeconds, TurnDelay.TotalSeconds * Math.Pow(2, Math.Clamp(waits - 1, 0, 30))));

    public static WebhookOutcome Classify(int status) => status switch
    {
        >= 200 and < 300 => WebhookOutcome.Delivered,
        408 or 409 or 429 or >= 500 => WebhookOutcome.Retry,
        _ => WebhookOutcome.Refused,
    };

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first), in whole seconds as the queue keeps them.</summary>
    public TimeSpan DelayFor(int retry, TimeSpan? retryAfter = null)
    {
        var exponential = BaseDelay.TotalSeconds * Math.Pow(2, Math.Clamp(retry - 1, 0, 30));
        var seconds = Math.Min(MaxDelay.TotalSeconds, exponential) * (0.8 + Random.Shared.NextDouble() * 0.4);
        seconds = Math.Max(seconds, retryAfter?.TotalSeconds ?? 0);
        return TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(seconds)));
    }
}
