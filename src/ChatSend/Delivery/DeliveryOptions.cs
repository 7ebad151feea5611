using System.ComponentModel.DataAnnotations;

namespace ChatSend.Delivery;

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

    /// <summary>Exponential backoff with ±20% jitter, so retries of a burst spread out. Queue delays are whole seconds.</summary>
    public TimeSpan BackoffFor(int attempt, TimeSpan? providerHint = null)
    {
        var exponential = RetryBaseDelay.TotalSeconds * Math.Pow(2, Math.Max(0, attempt - 1));
        var seconds = Math.Min(RetryMaxDelay.TotalSeconds, Math.Max(exponential, providerHint?.TotalSeconds ?? 0));
        seconds *= 0.8 + Random.Shared.NextDouble() * 0.4;
        return TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(seconds), 1, RetryMaxDelay.TotalSeconds));
    }
}
