using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Caching.Memory;

namespace ChatSend.Storage;

/// <summary>
/// <c>ChatSend:Cache</c>: how long an instance reuses an API key or a session it read from storage. A change made
/// elsewhere (a key revoked or a session disabled with the admin commands, or on another instance) takes effect on
/// every instance within this time; zero reads storage on every request.
/// </summary>
public sealed class CacheOptions
{
    public const string Section = "ChatSend:Cache";

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ApiKeys { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan Sessions { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Values read from storage, kept in memory for <paramref name="lifetime"/> from when they were read (on the
/// <see cref="TimeProvider"/>, so tests can move time). Only found values are kept: something created a moment ago is
/// seen at once, and made-up keys cannot fill the cache.
/// </summary>
public sealed class ReadCache<T>(TimeProvider time, TimeSpan lifetime) : IDisposable where T : class
{
    private const int MaxEntries = 100_000;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public async Task<T?> GetAsync(string key, Func<CancellationToken, Task<T?>> read, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(key, out Entry? entry) && time.GetUtcNow() < entry!.Until)
            return entry.Value;
        var value = await read(cancellationToken);
        if (value is not null && lifetime > TimeSpan.Zero)
            _cache.Set(key, new Entry(value, time.GetUtcNow() + lifetime),
                new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
        else
            _cache.Remove(key);
        return value;
    }

    /// <summary>Drops what this instance holds for <paramref name="key"/>, after it changed it itself.</summary>
    public void Forget(string key) => _cache.Remove(key);

    public void Dispose() => _cache.Dispose();

    private sealed record Entry(T Value, DateTimeOffset Until);
}
