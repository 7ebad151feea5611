using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatSend.Health;

/// <summary>
/// <c>GET /health/live</c> and <c>GET /health/ready</c>: the registered checks with the route's tag, answered 200 with
/// <c>{"status":"Healthy","checks":{…}}</c>, or 503 when a check failed. Ready runs one round at a time and shares
/// its report for <see cref="HealthOptions.CacheFor"/>.
/// </summary>
public sealed class HealthHandler(HealthCheckService checks, IOptions<HealthOptions> options, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _readyRound = new(1, 1);
    private volatile CachedReport? _ready;

    public async Task<IResult> LiveAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Answer(request, await checks.CheckHealthAsync(r => r.Tags.Contains(HealthTags.Live), cancellationToken));

    public async Task<IResult> ReadyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Answer(request, await ReadyReportAsync(cancellationToken));

    private async Task<HealthReport> ReadyReportAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } cached)
            return cached;
        await _readyRound.WaitAsync(cancellationToken);
        try
        {
            // A probe that waited for the round before it takes that round's report.
            if (Fresh() is { } fresh)
                return fresh;
            var report = await checks.CheckHealthAsync(r => r.Tags.Contains(HealthTags.Ready), cancellationToken);
            _ready = new CachedReport(report, time.GetUtcNow() + options.Value.CacheFor);
            return report;
        }
        finally
        {
            _readyRound.Release();
        }
    }

    private HealthReport? Fresh() => _ready is { } ready && time.GetUtcNow() < ready.Until ? ready.Report : null;

    private static IResult Answer(HttpRequest request, HealthReport report)
    {
        request.HttpContext.Response.Headers[HeaderNames.CacheControl] = "no-store";
        return TypedResults.Json(HealthAnswer.From(report),
            statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    public void Dispose() => _readyRound.Dispose();

    private sealed record CachedReport(HealthReport Report, DateTimeOffset Until);
}

/// <summary>The wire shape of a health answer.</summary>
public sealed record HealthAnswer(string Status, IReadOnlyDictionary<string, HealthCheckAnswer> Checks)
{
    public static HealthAnswer From(HealthReport report) =>
        new(report.Status.ToString(), report.Entries.ToDictionary(e => e.Key, e => HealthCheckAnswer.From(e.Value)));
}

/// <param name="Description">why the check failed; the checks write it for strangers to read</param>
public sealed record HealthCheckAnswer(string Status, string? Description, long DurationMs)
{
    // The health service describes a check that threw with the exception's message, which may carry an endpoint or
    // more: only the type goes out, the exception itself is in the log.
    public static HealthCheckAnswer From(HealthReportEntry entry) =>
        new(entry.Status.ToString(),
            entry.Exception is { } ex && entry.Description == ex.Message ? $"the check failed ({ex.GetType().Name})" : entry.Description,
            (long)entry.Duration.TotalMilliseconds);
}
