using System.ComponentModel.DataAnnotations;

namespace ChatSend.Events;

/// <summary><c>ChatSend:Events</c>: where message events go besides webhooks, and how they are batched on the way.</summary>
public sealed class EventsOptions : IValidatableObject
{
    public const string Section = "ChatSend:Events";

    /// <summary>
    /// The Event Grid custom topic's endpoint (<c>https://&lt;topic&gt;.&lt;region&gt;-1.eventgrid.azure.net/api/events</c>),
    /// published to with the app's identity. Empty (the default): no Event Grid.
    /// </summary>
    public string EventGridTopicEndpoint { get; set; } = "";

    /// <summary>How long the first event handed over waits for others to share its request.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The most events in one request (a caller's events are never split, so one call may go over it alone).</summary>
    [Range(1, 5000)]
    public int MaxBatchEvents { get; set; } = 100;

    internal Uri? TopicEndpoint => string.IsNullOrWhiteSpace(EventGridTopicEndpoint) ? null : new Uri(EventGridTopicEndpoint.Trim());

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(EventGridTopicEndpoint))
            yield break;
        if (!Uri.TryCreate(EventGridTopicEndpoint.Trim(), UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            yield return new ValidationResult(
                "EventGridTopicEndpoint must be an absolute https URI such as https://<topic>.<region>-1.eventgrid.azure.net/api/events.",
                [nameof(EventGridTopicEndpoint)]);
    }
}
