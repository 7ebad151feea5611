using System.ComponentModel.DataAnnotations;

namespace ChatSend.Delivery;

/// <summary>
/// A claimed attempt that ran out without an outcome may or may not have reached the provider. <c>Resend</c> sends
/// again (at most one duplicate per such crash, each logged and counted); <c>Fail</c> ends the message <c>failed</c>.
/// </summary>
public enum UnknownOutcomePolicy
{
    Resend,
    Fail,
}

/// <summary><c>ChatSend:Delivery</c>: how often a provider is retried after transient errors, and how far apart.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "ChatSend:Delivery";

    /// <summary>Provider attempts before a message ends <c>failed</c>.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the second attempt; doubles with each attempt after.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a delivery attempt holds a message while it calls the provider. Another job for the message waits
    /// this out; a claim that runs out without an outcome is a worker that died mid-call (see <see cref="UnknownOutcome"/>).
    /// Must be longer than any provider call.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>What to do with a message whose attempt died between calling the provider and recording the answer.</summary>
    public UnknownOutcomePolicy UnknownOutcome { get; set; } = UnknownOutcomePolicy.Resend;

    /// <summary>How long a message with work ahead may sit untouched (its job lost, its worker gone) before the sweeper queues it again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Exponential backoff with ±20% jitter, so retries of a burst spread out. Queue delays are whole seconds.</summary>
    public TimeSpan BackoffFor(int attempt, TimeSpan? providerHint = null)
    {
        var exponential = RetryBaseDelay.TotalSeconds * Math.Pow(2, Math.Max(0, attempt - 1));
        var seconds = Math.Min(RetryMaxDelay.TotalSeconds, Math.Max(exponential, providerHint?.TotalSeconds ?? 0));
        seconds *= 0.8 + Random.Shared.NextDouble() * 0.4;
        return TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(seconds), 1, RetryMaxDelay.TotalSeconds));
    }
}
