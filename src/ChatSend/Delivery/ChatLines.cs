using Azure;
using Azure.Data.Tables;
using ChatSend.Chats;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.Logging;

namespace ChatSend.Delivery;

/// <summary>
/// The turn a send holds in its chat's line, as the job that carries it knows it: its number, and the chat's record as
/// it was then (ETag and numbers taken), so the write that ends the send passes the turn on without reading the record.
/// </summary>
public sealed record LineTurn(long Number, string? RecordTag = null, long Taken = 0);

/// <summary>
/// The order of a session's sends to one chat: each send takes the next number in the chat's line (its
/// <see cref="ChatRecord.OutboundTaken"/>) in the transaction that accepts it, and may be handed to the provider only
/// while it holds the turn (the number after <see cref="ChatRecord.OutboundPassed"/>). The write that ends the send
/// (sent, failed, canceled) passes the turn on in the same transaction and queues the next send's job; a send accepted
/// behind another queues no job of its own. The record is the chat's only point of agreement: every change to it is
/// under its ETag, so a send accepted while the one before it ends is seen by one of the two, never by neither.
/// <para>
/// A turn that was not passed on (the worker stopped between the end and the pass, or a waiting send was canceled) is
/// passed on by the next job that finds the chat's head over: the waiting sends' markers bring such a job within
/// <see cref="DeliveryOptions.SweepAfter"/>.
/// </para>
/// </summary>
public sealed partial class ChatLines(StorageClients storage, ChatWindows records, DeliveryQueue queue, TimeProvider time, ILogger<ChatLines> logger)
{
    private const int MaxPasses = 20;
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);

    // Writes of one chat's record made on this instance take turns here rather than at storage, where all but one of a
    // burst would be refused and read the record again (64 sends at once to one chat would each try dozens of times).
    private readonly StripedLocks _writers = new(1024);

    /// <summary>Holds this instance's other writes of the message's chat record until disposed (none for a send that keeps no order).</summary>
    public async Task<IDisposable?> WriterAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        if (!message.KeepsOrder)
            return null;
        return await _writers.TakeAsync((message.PartitionKey, message.ChatOrRecipient), cancellationToken);
    }

    /// <summary>
    /// What a send's insert transaction adds to take the next number in its chat's line: its entry and the record moved
    /// on. Null for a send that keeps no order, or a scheduled one: it takes its number when its time comes.
    /// </summary>
    public async Task<LinePlace?> PlaceAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        if (!message.KeepsOrder || message.SendAt is not null)
            return null;
        var record = await records.KnownOrReadAsync(message.PartitionKey, message.ChatOrRecipient, cancellationToken);
        var number = record.OutboundTaken + 1;
        message.LineNumber = number;
        var moved = record.Copy();
        moved.OutboundTaken = number;
        return new LinePlace([Entry(message, number), RecordWrite(record, moved)], moved, HoldsTurn: record.OutboundWaiting == 0);
    }

    /// <summary>After the insert landed: remembers the record; a send that holds the turn gets it for its job.</summary>
    public void Placed(MessageEntity message, LinePlace place, ETag? recordTag)
    {
        records.Written(place.Record, recordTag);
        message.Turn = place.HoldsTurn ? new LineTurn(message.LineNumber!.Value, recordTag?.ToString(), place.Record.OutboundTaken) : null;
    }

    public void Forget(MessageEntity message) => records.Forget(message.PartitionKey, MessageRowKeys.ChatRecordOf(message.ChatOrRecipient));

    /// <summary>
    /// Before a send is claimed: the send, holding its turn, or null when it waits behind another. A send without a number
    /// (a scheduled message whose time came, or a row from before sends were ordered) takes one now. A head whose
    /// delivery is over but whose turn was not passed on is passed on here. Throws a 412 when the row changed meanwhile.
    /// </summary>
    public async Task<TurnCheck> TakeTurnAsync(MessageEntity message, LineTurn? known, CancellationToken cancellationToken)
    {
        if (!message.KeepsOrder || message.LinePassed)
            return new(message);
        if (message.LineNumber is not { } number)
            return await JoinAsync(message, cancellationToken);
        if (known?.Number == number)
            return Holding(message, known);
        // A copy that says the turn is this send's is right whatever its age: only this send's end moves the turn past it.
        if (records.Known(message.PartitionKey, message.ChatOrRecipient) is { } cached && cached.OutboundPassed == number - 1)
            return Holding(message, new LineTurn(number, cached.ETag.ToString(), cached.OutboundTaken));
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            var record = await records.ReadAsync(message.PartitionKey, message.ChatOrRecipient, cancellationToken);
            if (record.OutboundPassed >= number)
            {
                message.LinePassed = true; // passed on for it already (its row was thought over): nothing to keep it waiting
                return new(message);
            }
            if (record.OutboundPassed == number - 1)
                return Holding(message, new LineTurn(number, record.ETag.ToString(), record.OutboundTaken));
            if (await PassIfOverAsync(record, message.ChatOrRecipient, record.OutboundPassed + 1, waiting: number, cancellationToken) == Pass.UnderWay)
                return new(null, number - record.OutboundPassed - 1);
        }
        return new(null, 1);
    }

    private static TurnCheck Holding(MessageEntity message, LineTurn turn)
    {
        message.Turn = turn;
        return new(message);
    }

    /// <summary>A send without a number takes the next one, in a write of its row (under its ETag) with the record and its entry.</summary>
    private async Task<TurnCheck> JoinAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var record = await records.KnownOrReadAsync(message.PartitionKey, message.ChatOrRecipient, cancellationToken);
            var number = record.OutboundTaken + 1;
            var joined = message.Copy();
            joined.LineNumber = number;
            var moved = record.Copy();
            moved.OutboundTaken = number;
            try
            {
                var responses = await _table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, joined, message.ETag),
                    Entry(joined, number),
                    RecordWrite(record, moved),
                ], cancellationToken);
                joined.ETag = responses.Value[0].Headers.ETag ?? ETag.All;
                records.Written(moved, responses.Value[2].Headers.ETag);
                LogJoined(message.Id, number);
                return record.OutboundWaiting == 0
                    ? Holding(joined, new LineTurn(number, responses.Value[2].Headers.ETag?.ToString(), number))
                    : new(null, record.OutboundWaiting);
            }
            // The number was taken meanwhile: its line entry is there (index 1), or the record moved on (index 2).
            catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex is 1 or 2 && IsConflict(ex) && attempt < MaxPasses)
            {
                Forget(message);
                await Jitter(cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex == 0)
            {
                throw new RequestFailedException(412, "The message changed meanwhile.", ex);
            }
        }
    }

    /// <summary>
    /// What the write that ends <paramref name="message"/> (its delivery over) adds to pass its turn on, or null when the
    /// turn is not its own yet (it ended while waiting: its turn passes when it comes). Marks the message
    /// <see cref="MessageEntity.LinePassed"/> when the turn is passed with the write or had been already.
    /// <paramref name="fresh"/> reads the record rather than trust this instance's copy or the job's (after a conflict).
    /// </summary>
    public async Task<LineRelease?> ReleaseAsync(MessageEntity message, bool fresh, CancellationToken cancellationToken)
    {
        var number = message.LineNumber!.Value;
        var chat = message.ChatOrRecipient;
        var record = fresh ? null : records.Known(message.PartitionKey, chat);
        // A copy of this instance's from before the turn came (the turn not yet this send's, or fewer numbers taken than
        // the job saw) is older than the job's: the job's is tried.
        if (!fresh && message.Turn is { Number: var held, RecordTag: { } tag } turn && held == number
            && (record is null || record.OutboundPassed < number - 1 || record.OutboundTaken < turn.Taken))
        {
            // The job proved the turn; the record it saw may still be current. Only the count of turns passed is written.
            message.LinePassed = true;
            var passed = new TableEntity(message.PartitionKey, MessageRowKeys.ChatRecordOf(chat)) { [nameof(ChatRecord.OutboundPassed)] = number };
            return new LineRelease(number, [new TableTransactionAction(TableTransactionActionType.UpdateMerge, passed, new ETag(tag)), RemoveEntry(message.PartitionKey, chat, number)],
                Record: null, turn.Taken);
        }
        if (record is null || record.OutboundPassed < number - 1)
            record = await records.ReadAsync(message.PartitionKey, chat, cancellationToken);
        if (record.OutboundPassed >= number)
            message.LinePassed = true;
        if (record.OutboundPassed != number - 1)
            return null;
        message.LinePassed = true;
        var moved = record.Copy();
        moved.OutboundPassed = number;
        return new LineRelease(number, [RecordWrite(record, moved), RemoveEntry(message.PartitionKey, chat, number)], moved, moved.OutboundTaken);
    }

    /// <summary>After the write that passed the turn on landed: remembers the record and queues the next send's job.</summary>
    public async Task ReleasedAsync(MessageEntity message, LineRelease release, ETag? recordTag)
    {
        if (release.Record is { } record)
            records.Written(record, recordTag);
        else
            Forget(message);
        LogPassed(message.Id, release.Number);
        if (release.Taken > release.Number)
            await QueueNextAsync(message.PartitionKey, message.ChatOrRecipient, release.Number + 1, recordTag, release.Taken);
    }

    /// <summary>
    /// For a send whose delivery is over with no write left to make (canceled while it waited, its job now come), or whose
    /// row a failed <c>/send</c> took back: passes its turn on if it holds it.
    /// </summary>
    public async Task PassOnAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        if (message is not { InLine: true, LineNumber: { } number })
            return;
        for (var attempt = 0; attempt < MaxPasses; attempt++)
        {
            // Again only when the record moved on meanwhile: a head under way (another send that took the number) is left to its end.
            var record = await records.ReadAsync(message.PartitionKey, message.ChatOrRecipient, cancellationToken);
            if (record.OutboundPassed != number - 1
                || await PassIfOverAsync(record, message.ChatOrRecipient, number, waiting: null, cancellationToken) != Pass.Moved)
                return;
        }
    }

    /// <summary>What <see cref="PassIfOverAsync"/> did: passed the turn on (or there was none to pass), found the head under
    /// way, or found the record moved on by someone else before its write (look again).</summary>
    private enum Pass
    {
        Passed,
        UnderWay,
        Moved,
    }

    /// <summary>
    /// Passes the turn of the send numbered <paramref name="head"/> on if its delivery is over (or its row is gone).
    /// The next send's job is queued, unless it is <paramref name="waiting"/>'s own.
    /// </summary>
    private async Task<Pass> PassIfOverAsync(ChatRecord record, string chat, long head, long? waiting, CancellationToken cancellationToken)
    {
        if (record.OutboundTaken < head)
            return Pass.Passed; // nothing was given that number: nothing to pass
        var entry = await _table.FindQuietlyAsync<TableEntity>(record.PartitionKey, MessageRowKeys.ChatLineEntryOf(chat, head), cancellationToken);
        var rowKey = entry?.GetString(MessageKey);
        var row = rowKey is null ? null
            : await _table.GetEntityIfExistsAsync<MessageEntity>(record.PartitionKey, rowKey, cancellationToken: cancellationToken) is { HasValue: true } found ? found.Value : null;
        if (row is { DeliveryOver: false })
        {
            // Never tried and not held: its job may have been lost (the one before it ended, and queuing it failed). Another
            // job for it is harmless (its claim decides) and spares it waiting for its marker.
            if (row is { ClaimId: null, Attempts: 0 } && !(row.ExpectedAt > time.GetUtcNow()) && waiting is not null)
                await QueueNextAsync(record.PartitionKey, chat, head, record.ETag, record.OutboundTaken);
            return Pass.UnderWay;
        }
        var moved = record.Copy();
        moved.OutboundPassed = head;
        try
        {
            var responses = await _table.SubmitTransactionAsync(
            [
                RecordWrite(record, moved),
                ..(entry is not null ? new[] { RemoveEntry(record.PartitionKey, chat, head) } : []),
                ..(row is null ? [] : new[] { new TableTransactionAction(TableTransactionActionType.UpdateMerge,
                    new TableEntity(row.PartitionKey, row.RowKey) { [nameof(MessageEntity.LinePassed)] = true }, ETag.All) }),
            ], cancellationToken);
            records.Written(moved, responses.Value[0].Headers.ETag);
            LogPassedOver(row?.Id ?? rowKey ?? "(none)", head);
            if (moved.OutboundTaken > head && waiting != head + 1)
                await QueueNextAsync(record.PartitionKey, chat, head + 1, responses.Value[0].Headers.ETag, moved.OutboundTaken);
        }
        catch (TableTransactionFailedException ex) when (IsConflict(ex) || ex.Status == 404)
        {
            records.Forget(record.PartitionKey, record.RowKey); // someone else moved the record or the line on: look again
            return Pass.Moved;
        }
        return Pass.Passed;
    }

    /// <summary>Queues the job of the send numbered <paramref name="number"/>, which holds the turn now. A failure leaves it to its marker.</summary>
    private async Task QueueNextAsync(string partition, string chat, long number, ETag? recordTag, long taken)
    {
        try
        {
            var entry = await _table.FindQuietlyAsync<TableEntity>(partition, MessageRowKeys.ChatLineEntryOf(chat, number), CancellationToken.None);
            if (entry?.GetString(MessageKey) is { } rowKey)
                await queue.EnqueueAsync(new DeliveryJob(new MessageId(partition, rowKey)) { Turn = new LineTurn(number, recordTag?.ToString(), taken) });
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogNextNotQueued(number, ex.Message);
        }
    }

    private const string MessageKey = "Message";

    private static TableTransactionAction Entry(MessageEntity message, long number) =>
        new(TableTransactionActionType.Add, new TableEntity(message.PartitionKey, MessageRowKeys.ChatLineEntryOf(message.ChatOrRecipient, number))
        {
            [MessageKey] = message.RowKey,
        });

    private static TableTransactionAction RemoveEntry(string partition, string chat, long number) =>
        new(TableTransactionActionType.Delete, new TableEntity(partition, MessageRowKeys.ChatLineEntryOf(chat, number)), ETag.All);

    private static TableTransactionAction RecordWrite(ChatRecord record, ChatRecord moved) => record.ETag == default
        ? new TableTransactionAction(TableTransactionActionType.Add, moved)
        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, moved, record.ETag);

    public static bool IsConflict(RequestFailedException ex) => ex.Status is 409 or 412;

    // Sends to one chat accepted at once all write its record: a short random wait spreads their next tries.
    private static Task Jitter(CancellationToken cancellationToken) => Task.Delay(Random.Shared.Next(1, 21), cancellationToken);

    public static Task JitterAsync(CancellationToken cancellationToken) => Jitter(cancellationToken);

    [LoggerMessage(LogLevel.Debug, "Message {MessageId} took number {Number} in its chat's line")]
    private partial void LogJoined(string messageId, long number);

    [LoggerMessage(LogLevel.Debug, "Message {MessageId} passed its turn ({Number}) on")]
    private partial void LogPassed(string messageId, long number);

    [LoggerMessage(LogLevel.Information, "The turn of message {MessageId} ({Number}), whose delivery was over, was passed on by the job of a send behind it")]
    private partial void LogPassedOver(string messageId, long number);

    [LoggerMessage(LogLevel.Warning, "The job of the send numbered {Number} in its chat could not be queued ({Reason}); its marker brings it")]
    private partial void LogNextNotQueued(long number, string reason);
}

/// <summary>What a delivery job found: the send holding its turn (<see cref="Holding"/>), or waiting with <see cref="Ahead"/> sends before it.</summary>
public readonly record struct TurnCheck(MessageEntity? Holding, long Ahead = 0);

/// <summary>What an accepted send adds to its insert transaction (<see cref="Actions"/>, last), and the record as it then is.</summary>
public sealed record LinePlace(TableTransactionAction[] Actions, ChatRecord Record, bool HoldsTurn);

/// <summary>
/// What the write that ends a send adds to pass its turn on (<see cref="Actions"/>, last): the record moved on (the whole
/// of it, <see cref="Record"/>, when this instance had it; else only the count, under the job's ETag) and its entry removed.
/// </summary>
public sealed record LineRelease(long Number, TableTransactionAction[] Actions, ChatRecord? Record, long Taken);
