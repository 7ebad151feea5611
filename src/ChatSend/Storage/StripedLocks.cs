namespace ChatSend.Storage;

/// <summary>
/// A fixed set of locks, a key's picked by its hash, for writes of one row that this instance's work should make one at a
/// time rather than race at storage, where all but one would be refused and read the row again. Two keys rarely share a
/// lock at the same moment.
/// </summary>
public sealed class StripedLocks(int count)
{
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, count).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>Waits for <paramref name="key"/>'s lock; disposing the result (once or more) lets it go.</summary>
    public async Task<IDisposable> TakeAsync<TKey>(TKey key, CancellationToken cancellationToken) where TKey : notnull
    {
        var stripe = _locks[(uint)EqualityComparer<TKey>.Default.GetHashCode(key) % (uint)_locks.Length];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    private sealed class Releaser(SemaphoreSlim stripe) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                stripe.Release();
        }
    }
}
