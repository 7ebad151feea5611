using Microsoft.Extensions.Caching.Memory;

namespace ChatSend.Messages;

/// <summary>
/// Copies of the message rows this instance read or wrote lately, with their ETags: the next change to a row (its
/// claim after <c>/send</c>, <c>sent</c> after the claim, a receipt after <c>sent</c>) usually happens here, moments
/// later, and can then be written under that ETag without reading the row first. Bounded by the rows' size.
/// </summary>
internal sealed class RecentRows : IDisposable
{
    private const long MaxChars = 8 * 1024 * 1024;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly MemoryCache _rows = new(new MemoryCacheOptions { SizeLimit = MaxChars });

    public void Remember(MessageEntity row) =>
        _rows.Set(row.MessageId.Value, row.Copy(), new MemoryCacheEntryOptions
        {
            Size = 512 + (row.Text?.Length ?? 0) + row.Content.Length + row.History.Length + (row.Preview?.Length ?? 0),
            AbsoluteExpirationRelativeToNow = Lifetime,
        });

    public MessageEntity? Find(MessageId id) => _rows.TryGetValue(id.Value, out MessageEntity? row) ? row!.Copy() : null;

    public void Forget(MessageId id) => _rows.Remove(id.Value);

    public void Dispose() => _rows.Dispose();
}
