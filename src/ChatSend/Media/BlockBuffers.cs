using System.Collections.Concurrent;

namespace ChatSend.Media;

/// <summary>
/// The block buffers all stagings share: at most <c>count</c> buffers of <see cref="Size"/> bytes exist, however many
/// files are staged at once, so a lone file can keep several blocks in flight while many files together stay within the
/// same memory. A staging waits its turn for a free buffer; one whose server stalls holds only the block it is filling,
/// until its fetch times out.
/// </summary>
public sealed class BlockBuffers(int size, int count)
{
    private readonly SemaphoreSlim _free = new(count, count);
    private readonly ConcurrentQueue<byte[]> _buffers = new();

    public int Size { get; } = size;

    public async Task<byte[]> RentAsync(CancellationToken cancellationToken)
    {
        await _free.WaitAsync(cancellationToken);
        return _buffers.TryDequeue(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(Size);
    }

    public void Return(byte[] buffer)
    {
        _buffers.Enqueue(buffer);
        _free.Release();
    }
}
