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
/// chat's order record and waiting entries (one range read) and takes, oldest first, the entries already numbered and
/// then the waiting messages up to the first whose file is still pending. It numbers the new ones (<c>chatsequence</c>)
/// in one transaction that writes each number into its entry and moves the record on under its ETag, so a number is
/// given once, before any sink sees it; then it hands the events on, and then removes their entries. Two dispatchers of
/// one chat (two instances, a job and the sweeper) cannot number differently: the one whose transaction fails reads
/// again. A sink that fails leaves the numbered entries, which go again, with the same numbers, when they fall due; a
/// receiver may get an event twice, with the same id and number, but never one numbered out of order. A message that
/// reaches ChatSend after a later one of its chat was numbered comes after it, with the next number.
/// </summary>
public sealed partial class ChatOrder(StorageClients storage, MessageStore messages, EventOutbox outbox, ILogger<ChatOrder> logger)
{
    /// <summary>Messages numbered in one round: their entries and the record, within a transaction's 100 actions.</summary>
    public const int MaxBatch = 50;

    private const int MaxRounds = 20;
    private const string NextSequence = "NextSequence";
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);

    private sealed record Waiting(OutboxEntry Entry, long? Sequence);

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
            var (record, waiting) = await ReadAsync(focus.PartitionKey, chat, cancellationToken);
            var focusWaits = waiting.Any(w => w.Entry.Message == focus.RowKey);
            var (ready, gone, blocked) = await TakeAsync(waiting, cancellationToken);
            if (ready.Count == 0 && gone.Count == 0)
                return (!focusWaits, focusRow);
            if (await NumberAsync(focus.PartitionKey, chat, record, ready, gone, cancellationToken) is not { } numbered)
                continue; // another dispatcher numbered first: read where the chat stands
            var events = numbered.Select(x => MessageEvents.Create(x.Row, x.Row.GetHistory()[0], x.Sequence)).ToList();
            if (events.Count > 0 && !await outbox.PublishAsync(focus.Session, $"chat {Send.Recipient.Mask(chat)}", events, cancellationToken))
                return (false, null);
            await outbox.RemoveAsync([.. ready.Select(r => r.Waiting.Entry), .. gone], cancellationToken); // never empty here
            if (numbered.Count > 0)
                LogHandedOn(numbered.Count, Send.Recipient.Mask(chat), numbered[0].Sequence);
            focusRow ??= ready.FirstOrDefault(r => r.Row.RowKey == focus.RowKey).Row;
            await AnnounceLaterEventsAsync(ready.Select(r => r.Row), focus, chat);
            var taken = ready.Any(r => r.Row.RowKey == focus.RowKey) || gone.Any(g => g.Message == focus.RowKey);
            if (blocked || ready.Count + gone.Count == waiting.Count)
                return (!focusWaits || taken, focusRow);
        }
        throw new InvalidOperationException($"The chat order of session {focus.Session} kept changing under {MaxRounds} rounds; the job is tried again");
    }

    /// <summary>The chat's record, and its waiting entries in turn: those numbered (by number), then the others (oldest first).</summary>
    private async Task<(TableEntity? Record, List<Waiting> Waiting)> ReadAsync(string partition, string chat, CancellationToken cancellationToken)
    {
        TableEntity? record = null;
        var waiting = new List<Waiting>();
        var recordKey = MessageRowKeys.ChatOrderOf(chat);
        await foreach (var row in _table.QueryAsync<TableEntity>(MessageRowKeys.ChatOrder(chat).Filter(partition), cancellationToken: cancellationToken))
        {
            if (row.RowKey == recordKey)
                record = row;
            else if (row.GetString(nameof(OutboxEntry.Message)) is { } message)
                waiting.Add(new Waiting(new OutboxEntry { PartitionKey = row.PartitionKey, RowKey = row.RowKey, ETag = row.ETag, Message = message },
                    row.GetInt64(nameof(OutboxEntry.Sequence))));
        }
        return (record, [.. waiting.OrderBy(w => w.Sequence ?? long.MaxValue)]); // a stable sort: the others keep row-key order
    }

    /// <summary>
    /// The waiting messages that may go now, in turn; those no longer there; whether one still fetching its file stopped
    /// the run (a numbered one never does: it was ready when it was numbered).
    /// </summary>
    private async Task<(List<(Waiting Waiting, MessageEntity Row)> Ready, List<OutboxEntry> Gone, bool Blocked)> TakeAsync(List<Waiting> waiting,
        CancellationToken cancellationToken)
    {
        var (ready, gone) = (new List<(Waiting, MessageEntity)>(), new List<OutboxEntry>());
        foreach (var entry in waiting.Take(MaxBatch))
        {
            if (await messages.FindAsync(entry.Entry.MessageId, cancellationToken) is not { } row)
                gone.Add(entry.Entry);
            else if (row.MediaPending && entry.Sequence is null)
                return (ready, gone, true);
            else
                ready.Add((entry, row));
        }
        return (ready, gone, false);
    }

    /// <summary>
    /// The ready messages with their numbers: the new ones numbered from the record, written into their entries with the
    /// record moved on, in one transaction. Null when another dispatcher changed the chat first.
    /// </summary>
    private async Task<List<(MessageEntity Row, long Sequence)>?> NumberAsync(string partition, string chat, TableEntity? record,
        List<(Waiting Waiting, MessageEntity Row)> ready, List<OutboxEntry> gone, CancellationToken cancellationToken)
    {
        var next = record?.GetInt64(NextSequence) ?? 1;
        var numbered = new List<(MessageEntity, long)>();
        var actions = new List<TableTransactionAction>();
        foreach (var (waiting, row) in ready)
        {
            if (waiting.Sequence is { } given)
            {
                numbered.Add((row, given));
                continue;
            }
            numbered.Add((row, next));
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge,
                new TableEntity(partition, waiting.Entry.RowKey) { [nameof(OutboxEntry.Sequence)] = next++ }, waiting.Entry.ETag));
        }
        if (actions.Count == 0)
            return numbered;
        var moved = new TableEntity(partition, MessageRowKeys.ChatOrderOf(chat)) { [NextSequence] = next };
        actions.Insert(0, record is null
            ? new TableTransactionAction(TableTransactionActionType.Add, moved)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, moved, record.ETag));
        try
        {
            await _table.SubmitTransactionAsync(actions, cancellationToken);
            return numbered;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            return null;
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
