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
public sealed class WebhookOrder(WebhookDeliveryPolicy policy, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(10);
    private readonly MemoryCache _delivered = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly Dictionary<string, List<TaskCompletionSource<bool>>> _waiting = []; // by endpoint|event, the waits for it

    public void Delivered(string endpoint, string eventId)
    {
        var key = endpoint + "|" + eventId;
        _delivered.Set(key, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Remembered });
        List<TaskCompletionSource<bool>>? waits;
        lock (_waiting)
            _waiting.Remove(key, out waits);
        foreach (var wait in waits ?? [])
            wait.TrySetResult(true);
    }

    /// <summary>
    /// Waits for <paramref name="after"/> to be delivered to <paramref name="endpoint"/> on this instance, woken by
    /// <see cref="Delivered"/>, for at most <see cref="WebhookDeliveryPolicy.OrderWait"/> on the clock. True when it was
    /// delivered (or there is nothing to wait for), false when the time ran out first.
    /// </summary>
    public async Task<bool> WaitForAsync(string endpoint, string? after, CancellationToken cancellationToken)
    {
        if (after is null)
            return true;
        var key = endpoint + "|" + after;
        var wait = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiting)
        {
            // Delivered remembers the event before it takes this lock: either this sees it, or Delivered finds this wait.
            if (_delivered.TryGetValue(key, out _))
                return true;
            (_waiting.TryGetValue(key, out var waits) ? waits : _waiting[key] = []).Add(wait);
        }
        // Whichever comes first decides, at that moment: the delivery, the clock passing OrderWait, or cancellation.
        using var timer = time.CreateTimer(_ => wait.TrySetResult(false), null, policy.OrderWait, Timeout.InfiniteTimeSpan);
        using var cancellation = cancellationToken.Register(() => wait.TrySetCanceled(cancellationToken));
        try
        {
            return await wait.Task;
        }
        finally
        {
            lock (_waiting)
            {
                if (_waiting.TryGetValue(key, out var waits) && waits.Remove(wait) && waits.Count == 0)
                    _waiting.Remove(key);
            }
        }
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

    /// <summary>What a chat's received event is remembered as once its endpoint's cursor passed it (the job after it waits for this).</summary>
    public static string ChatKey(string chat, long sequence) => $"chat:{chat}#{sequence}";

    public void Dispose() => _delivered.Dispose();
}
