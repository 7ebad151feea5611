using System.Collections.Concurrent;

namespace ChatSend.Media;

/// <summary>
/// The block buffers all stagings share: <c>count</c> buffers of <see cref="Size"/> bytes, however many files are
/// staged at once, so a lone file can keep several blocks in flight while many files together stay within the same
/// memory. A staging that finds them all busy for longer than <see cref="MaxWait"/> (servers that stall hold theirs
/// until their fetch times out) gets a buffer of its own instead, so a few slow media hosts cannot hold up every send.
/// </summary>
public sealed class BlockBuffers(int size, int count)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _free = new(count, count);
    private readonly ConcurrentQueue<byte[]> _buffers = new();
    private readonly ConcurrentDictionary<byte[], bool> _shared = new(ReferenceEqualityComparer.Instance);

    public int Size { get; } = size;

    /// <summary>Shared buffers free now (all of them when no staging runs).</summary>
    internal int Available => _free.CurrentCount;

    public async Task<byte[]> RentAsync(CancellationToken cancellationToken)
    {
        if (!await _free.WaitAsync(MaxWait, cancellationToken))
            return GC.AllocateUninitializedArray<byte>(Size); // not shared: dropped when given back
        if (_buffers.TryDequeue(out var buffer))
            return buffer;
        buffer = GC.AllocateUninitializedArray<byte>(Size);
        _shared[buffer] = true;
        return buffer;
    }

    public void Return(byte[] buffer)
    {
        if (!_shared.ContainsKey(buffer))
            return;
        _buffers.Enqueue(buffer);
        _free.Release();
    }
}
