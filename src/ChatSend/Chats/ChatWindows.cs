using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace ChatSend.Chats;

/// <summary>
/// Each chat's 24-hour window, kept in its <see cref="ChatRecord"/>. A customer's message moves the record's
/// <see cref="ChatRecord.LastInboundAt"/> forward (never back: a message the provider delivers late leaves a newer time
/// alone) in the message's own insert transaction, under the record's ETag; this instance remembers each record it read
/// or wrote, so a chat's next message needs no read. A send reads the record once (or not at all while this instance
/// knows the window is open: it only closes with time, or with a refusal that instance records).
/// </summary>
public sealed class ChatWindows(StorageClients storage) : IDisposable
{
    /// <summary>How long a record read here is used for a send's check before it is read again.</summary>
    public static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);

    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);
    private readonly MemoryCache _known = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    /// <summary>
    /// The chat's record as stored, or a new one (never written) when its customer never wrote. <paramref name="partition"/>
    /// is the partition of the session that holds the chat (<see cref="MessagePartitions.For"/>).
    /// </summary>
    public async Task<ChatRecord> ReadAsync(string partition, string chat, CancellationToken cancellationToken)
    {
        var fresh = ChatRecord.For(partition, chat);
        var record = await _table.FindQuietlyAsync<ChatRecord>(partition, fresh.RowKey, cancellationToken) ?? fresh;
        Remember(record);
        return record;
    }

    /// <summary>The record as this instance last read or wrote it (it may be stale: write only under its ETag), else as stored.</summary>
    public async Task<ChatRecord> KnownOrReadAsync(string partition, string chat, CancellationToken cancellationToken) =>
        Known(partition, chat) ?? await ReadAsync(partition, chat, cancellationToken);

    /// <summary>The record for a send's check: this instance's copy while it says the window is open at <paramref name="at"/>, else read.</summary>
    public async Task<ChatRecord> ForSendAsync(string partition, string chat, DateTimeOffset at, CancellationToken cancellationToken) =>
        Known(partition, chat) is { } known && known.IsOpenAt(at) ? known : await ReadAsync(partition, chat, cancellationToken);

    /// <summary>
    /// What a customer's new message writes to its chat's record, in the message's transaction: the record created, or
    /// moved on to the message's time under its ETag; null when the record already holds a later time.
    /// </summary>
    public async Task<(TableTransactionAction? Action, ChatRecord Record)> InboundAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        var chat = message.ChatOrRecipient;
        var record = await KnownOrReadAsync(message.PartitionKey, chat, cancellationToken);
        if (record.LastInboundAt >= message.AcceptedAt)
            return (null, record);
        var moved = record.Copy();
        moved.LastInboundAt = message.AcceptedAt;
        return (record.ETag == default
            ? new TableTransactionAction(TableTransactionActionType.Add, moved)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, moved, record.ETag), moved);
    }

    /// <summary>The record as a transaction wrote it (its new ETag), or forgotten when the write's outcome is unknown.</summary>
    public void Written(ChatRecord record, ETag? etag)
    {
        if (etag is { } written)
        {
            record.ETag = written;
            Remember(record);
        }
        else
            Forget(record.PartitionKey, record.RowKey);
    }

    public void Forget(string partition, string rowKey) => _known.Remove(partition + "|" + rowKey);

    /// <summary>
    /// Marks the chat's window closed at <paramref name="at"/> (the provider refused a free-form message as outside it),
    /// unless the customer wrote after that.
    /// </summary>
    public async Task CloseAsync(string partition, string chat, DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var record = await ReadAsync(partition, chat, cancellationToken);
            if (record.ClosedAt >= at || record.LastInboundAt > at)
                return;
            var closed = record.Copy();
            closed.ClosedAt = at;
            try
            {
                var response = record.ETag == default
                    ? await _table.AddEntityAsync(closed, cancellationToken)
                    : await _table.UpdateEntityAsync(closed, record.ETag, TableUpdateMode.Replace, cancellationToken);
                Written(closed, response.Headers.ETag);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // A customer's message or another refusal came first: read it again.
            }
        }
    }

    /// <summary>Whether free-form messages to the session's chats are checked against the window: its setting, else its provider's default.</summary>
    public static bool Enforced(Session session, IChannelProvider provider) =>
        (session.Setting(PolicySetting) ?? provider.DefaultWindowPolicy) == Enforce;

    public const string PolicySetting = "windowPolicy";
    public const string Enforce = "enforce";
    public const string Off = "off";

    /// <summary>This instance's copy of the chat's record, or null.</summary>
    public ChatRecord? Known(string partition, string chat) =>
        _known.TryGetValue(partition + "|" + MessageRowKeys.ChatRecordOf(chat), out ChatRecord? known) ? known!.Copy() : null;

    private void Remember(ChatRecord record) =>
        _known.Set(record.PartitionKey + "|" + record.RowKey, record.Copy(),
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Remembered });

    public void Dispose() => _known.Dispose();
}
