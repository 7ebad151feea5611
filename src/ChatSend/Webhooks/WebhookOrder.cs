using System.Text.Json;
using Azure.Messaging;
using Microsoft.Extensions.Caching.Memory;

namespace ChatSend.Webhooks;

/// <summary>
/// Keeps one message's events to one endpoint in status order in the usual case: a job says which event of the same
/// message the endpoint gets just before its first one (<see cref="WebhookDeliveryJob.After"/>), and waits, briefly and
/// on this instance, until that one was delivered. <c>queued</c> and <c>sent</c> are often published milliseconds apart
/// and their jobs run side by side. It is not a guarantee: a retried event, or one delivered on another instance, is not
/// waited for past <see cref="WebhookDeliveryPolicy.OrderWait"/>, so receivers still read <c>data.status</c>.
/// </summary>
public sealed class WebhookOrder(WebhookDeliveryPolicy policy) : IDisposable
{
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(10);
    private readonly MemoryCache _delivered = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public void Delivered(string endpoint, string eventId) =>
        _delivered.Set(endpoint + "|" + eventId, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Remembered });

    /// <summary>Waits up to <see cref="WebhookDeliveryPolicy.OrderWait"/> of real time for <paramref name="after"/> to be delivered.</summary>
    public async Task WaitForAsync(string endpoint, string? after, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (after is not null && !_delivered.TryGetValue(endpoint + "|" + after, out _) && waited.Elapsed < policy.OrderWait)
            await Task.Delay(PollEvery, cancellationToken);
    }

    /// <summary>
    /// The id of the event just before <paramref name="first"/> that an endpoint wanting <paramref name="wants"/> gets:
    /// the latest earlier status in the message's history (its data's <c>statusHistory</c>) of a type it wants.
    /// </summary>
    public static string? Before(CloudEvent first, Func<string, bool> wants)
    {
        using var data = JsonDocument.Parse(first.Data!.ToMemory());
        if (!data.RootElement.TryGetProperty("statusHistory", out var history))
            return null;
        var statuses = history.EnumerateArray().Select(h => h.GetProperty("status").GetString()!).ToList();
        var at = statuses.IndexOf(first.Type[Events.MessageEvents.TypePrefix.Length..]);
        for (var i = at - 1; i >= 0; i--)
            if (wants(Events.MessageEvents.TypePrefix + statuses[i]))
                return $"{first.Subject}:{statuses[i]}";
        return null;
    }

    public void Dispose() => _delivered.Dispose();
}
