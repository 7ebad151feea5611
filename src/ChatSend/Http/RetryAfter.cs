using System.Net.Http.Headers;

namespace ChatSend.Http;

/// <summary>
/// The <c>Retry-After</c> of an answer ChatSend got (a provider's, a customer endpoint's) as a wait from now on the app's
/// clock: seconds as given, an HTTP date less now, null when absent or already past. (ChatSend.Client has its own copy:
/// it depends on nothing of the server's.)
/// </summary>
public static class RetryAfter
{
    public static TimeSpan? Of(HttpResponseMessage response, TimeProvider time) => Of(response.Headers.RetryAfter, time.GetUtcNow());

    public static TimeSpan? Of(RetryConditionHeaderValue? header, DateTimeOffset now) =>
        header?.Delta is { } delta ? delta
        : header?.Date is { } date && date > now ? date - now
        : null;
}
