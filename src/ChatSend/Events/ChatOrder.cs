using Azure;
using Azure.Data.Tables;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;

namespace ChatSend.Events;

/// <summary>
/// Hands a chat's <c>received</c> events to the sinks in the order the customer sent them. Each customer's message is
/// recorded with an entry in its chat's order (<see cref="MessageRowKeys.ChatOrderEntryOf"/>, by the customer's time and
/// then by arrival), which stays there, keeping the message's place, while its file is fetched. A dispatch reads the
/// chat's order record and waiting entries (one range read), takes the waiting messages oldest first up to the first
/// whose file is still pending, hands their events on together with consecutive <c>chatsequence</c> numbers, and then,
/// in one transaction, removes their entries and moves the record's next number on under its ETag. Two dispatchers of one
/// chat (two instances, a job and the sweeper) number the same messages the same way; the one whose transaction fails
/// reads again and hands on what is left, so a receiver may get an event twice, with the same id and number, but never
/// one before an earlier one. A message that reaches ChatSend after a later one of its chat was handed on comes next,
/// with the next number.
/// </summary>
public sealed partial class ChatOrder(StorageClients storage, MessageStore messages, EventOutbox outbox, ILogger<ChatOrder> logger)
{
    /// <summary>Messages handed on in one round: their entries, the record, within a transaction's 100 actions.</summary>
    public const int MaxBatch = 50;

    private const int MaxRounds = 20;
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);

    /// <summary>
    /// Hands on <paramref name="chat"/>'s waiting received events that may go. True when <paramref name="focus"/>'s
    /// received event is out (now or before), with its row when this call handed it on; false while it waits for its turn
    /// (an earlier message's file is being fetched, or a sink failed: the entries stay and fall due again).
    /// </summary>
    public async Task<(bool Out, MessageEntity? Row)> DispatchAsync(MessageId focus, string chat, CancellationToken cancellationToken)
    {
        MessageEntity? focusRow = null;
        for (var round = 0; round < MaxRounds; round++)
        {
            var (record, waiting) = await ReadAsync(focus.Session, chat, cancellationToken);
            var focusWaits = waiting.Any(e => e.Message == focus.RowKey);
            var (ready, gone, blocked) = await TakeAsync(waiting, cancellationToken);
            if (ready.Count == 0 && gone.Count == 0)
                return (!focusWaits, focusRow);
            var next = record?.GetInt64(NextSequence) ?? 1;
            var events = ready.Select((r, i) => MessageEvents.Create(r, r.GetHistory()[0], next + i)).ToList();
            if (events.Count > 0 && !await outbox.PublishAsync(focus.Session, $"chat {Send.Recipient.Mask(chat)}", events, cancellationToken))
                return (false, null);
            if (!await CommitAsync(focus.Session, chat, record, next + ready.Count, [.. ready.Select(r => waiting.First(e => e.Message == r.RowKey)), .. gone],
                    cancellationToken))
                continue; // another dispatcher moved the chat on first: read where it stands
            LogHandedOn(ready.Count, Send.Recipient.Mask(chat), next);
            focusRow ??= ready.FirstOrDefault(r => r.RowKey == focus.RowKey);
            await AnnounceLaterEventsAsync(ready, focus, chat);
            var taken = waiting.Take(ready.Count + gone.Count).Any(e => e.Message == focus.RowKey);
            if (blocked || ready.Count + gone.Count == waiting.Count)
                return (!focusWaits || taken, focusRow);
        }
        throw new InvalidOperationException($"The chat order of session {focus.Session} kept changing under {MaxRounds} rounds; the job is tried again");
    }

    private const string NextSequence = "NextSequence";

    private async Task<(TableEntity? Record, List<OutboxEntry> Waiting)> ReadAsync(string session, string chat, CancellationToken cancellationToken)
    {
        TableEntity? record = null;
        var waiting = new List<OutboxEntry>();
        var recordKey = MessageRowKeys.ChatOrderOf(chat);
        await foreach (var row in _table.QueryAsync<TableEntity>(MessageRowKeys.ChatOrder(chat).Filter(session), cancellationToken: cancellationToken))
        {
            if (row.RowKey == recordKey)
                record = row;
            else
                waiting.Add(new OutboxEntry
                {
                    PartitionKey = row.PartitionKey,
                    RowKey = row.RowKey,
                    ETag = row.ETag,
                    Message = row.GetString(nameof(OutboxEntry.Message)),
                });
        }
        waiting.RemoveAll(e => e.Message is null);
        return (record, waiting);
    }

    /// <summary>The waiting messages that may go now, oldest first; those no longer there; whether one still fetching its file stopped the run.</summary>
    private async Task<(List<MessageEntity> Ready, List<OutboxEntry> Gone, bool Blocked)> TakeAsync(List<OutboxEntry> waiting,
        CancellationToken cancellationToken)
    {
        var (ready, gone) = (new List<MessageEntity>(), new List<OutboxEntry>());
        foreach (var entry in waiting.Take(MaxBatch))
        {
            if (await messages.FindAsync(entry.MessageId, cancellationToken) is not { } row)
                gone.Add(entry);
            else if (row.MediaPending)
                return (ready, gone, true);
            else
                ready.Add(row);
        }
        return (ready, gone, false);
    }

    /// <summary>Removes the handed-on entries and moves the record on, together; false when another dispatcher got there first.</summary>
    private async Task<bool> CommitAsync(string session, string chat, TableEntity? record, long next, IReadOnlyList<OutboxEntry> done,
        CancellationToken cancellationToken)
    {
        var moved = new TableEntity(session, MessageRowKeys.ChatOrderOf(chat)) { [NextSequence] = next };
        try
        {
            await _table.SubmitTransactionAsync(
            [
                record is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, moved)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, moved, record.ETag),
                ..done.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(session, e.RowKey), ETag.All)),
            ], cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            return false;
        }
    }

    // A message whose other events (marked read) waited behind its received event gets its job again; the focus's caller goes on itself.
    private async Task AnnounceLaterEventsAsync(IEnumerable<MessageEntity> handedOn, MessageId focus, string chat)
    {
        foreach (var row in handedOn)
            if (row.RowKey != focus.RowKey && row.GetHistory().Count > 1)
                await outbox.AnnounceAsync(row.MessageId, chat);
    }

    [LoggerMessage(LogLevel.Debug, "{Count} received event(s) of chat {Chat} handed on from chatsequence {First}")]
    private partial void LogHandedOn(int count, string chat, long first);
}
