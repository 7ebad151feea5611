using Azure;
using Azure.Data.Tables;
using ChatSend.Events;
using ChatSend.Storage;
using ChatSend.Sweeping;

namespace ChatSend.Messages;

/// <summary>
/// Messages table: a session's messages in its partition (in the one of their chat when it has several,
/// <see cref="MessagePartitions"/>), each with its <see cref="WorkMarker"/> while it has work ahead. Changes that need the marker touch both in one entity-group transaction; status changes are guarded by the
/// row's ETag. Every status a write records brings its <see cref="EventOutbox"/> entries into the same transaction.
/// Before a write that sets a due time (a marker, an outbox entry) lands, <see cref="SweepIndex"/> notes it for the sweeper.
/// </summary>
public sealed class MessageStore(StorageClients storage, EventOutbox outbox, Chats.ChatWindows windows, Delivery.ChatLines lines, SweepIndex index)
    : IDisposable
{
    private const int MaxConcurrencyRetries = 20;
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);
    private readonly RecentRows _recent = new();

    /// <summary>
    /// Writes a new message with its marker, or neither. A 409 on a fresh id means an earlier try of this same
    /// transaction (retried by the storage client after its answer was lost) landed: that is success too (<see cref="FreshInserts"/>).
    /// A send that keeps its chat's order takes its number in the chat's line in the same transaction
    /// (<see cref="Delivery.ChatLines"/>); when another send to the chat took the record meanwhile, it tries again.
    /// </summary>
    public async Task InsertAsync(MessageEntity message, DateTimeOffset due, CancellationToken cancellationToken = default)
    {
        message.HasMarker = true;
        var events = await outbox.EntriesForAsync(message, cancellationToken);
        await index.NoteDueAsync(message.PartitionKey, [due, .. events.Select(e => e.Due)], cancellationToken);
        using var writer = message.SendAt is null ? await lines.WriterAsync(message, cancellationToken) : null;
        for (var attempt = 1; ; attempt++)
        {
            var place = await lines.PlaceAsync(message, cancellationToken);
            TableTransactionAction[] actions =
            [
                new TableTransactionAction(TableTransactionActionType.Add, message),
                new TableTransactionAction(TableTransactionActionType.Add, WorkMarker.For(message.MessageId, due)),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, ChatEntry(message)),
                ..events.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)),
                ..place?.Actions ?? [],
            ];
            try
            {
                var (etag, responses) = await _table.SubmitFreshAsync(actions, cancellationToken);
                message.ETag = etag ?? ETag.All;
                if (place is not null)
                    lines.Placed(message, place, responses?[^1].Headers.ETag);
                break;
            }
            catch (TableTransactionFailedException ex) when (place is not null && ex.FailedTransactionActionIndex >= actions.Length - place.Actions.Length
                                                             && Delivery.ChatLines.IsConflict(ex) && attempt < MaxPlaceRetries)
            {
                lines.Forget(message);
                await Delivery.ChatLines.JitterAsync(cancellationToken);
            }
        }
        writer?.Dispose();
        await RecordedAsync(message, events);
    }

    private const int MaxPlaceRetries = 100;

    /// <summary>
    /// Records a customer's message with its index rows (its provider's id, its place in its chat), its events and, when
    /// it has work ahead (a file to fetch), its marker: all or nothing, once. A message whose provider id the session
    /// already has (a callback delivered again, or handled by two instances at once) conflicts and is not written
    /// again: false. Its events are announced either way, so a first try whose announcement was lost is not left to the
    /// sweeper. Rows <paramref name="beside"/> it go in its transaction when they are of its partition; others (an alias,
    /// whose home is the session's first partition) are written just before it, each a fact true with or without it.
    /// </summary>
    public async Task<bool> InsertReceivedAsync(MessageEntity message, string provider, DateTimeOffset? markerDue,
        IReadOnlyList<ITableEntity>? beside = null, CancellationToken cancellationToken = default)
    {
        foreach (var elsewhere in (beside ?? []).Where(e => e.PartitionKey != message.PartitionKey))
            await _table.UpsertEntityAsync(elsewhere, TableUpdateMode.Replace, cancellationToken);
        beside = beside?.Where(e => e.PartitionKey == message.PartitionKey).ToList();
        message.HasMarker = markerDue is not null;
        var inOrder = await outbox.ChatOrderEntryAsync(message, cancellationToken);
        message.InChatOrder = inOrder is not null; // before the entries: its received event is not one of them
        var events = await outbox.EntriesForAsync(message, cancellationToken);
        var providerRow = ProviderIdEntry(message.MessageId, provider, message.ProviderMessageId!);
        for (var attempt = 1; ; attempt++)
        {
            // The chat's record moves on with the message, under its ETag: a customer's next message in the same chat,
            // recorded meanwhile (elsewhere), fails only that action, and the message is tried again with the record read anew.
            var (chatAction, chat) = await windows.InboundAsync(message, cancellationToken);
            TableTransactionAction[] actions =
            [
                new TableTransactionAction(TableTransactionActionType.Add, providerRow),
                new TableTransactionAction(TableTransactionActionType.Add, message),
                new TableTransactionAction(TableTransactionActionType.Add, ChatEntry(message)),
                ..(markerDue is { } due ? new[] { new TableTransactionAction(TableTransactionActionType.Add, WorkMarker.For(message.MessageId, due)) } : []),
                ..(beside ?? []).Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)),
                ..events.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)),
                ..(inOrder is null ? [] : new[] { new TableTransactionAction(TableTransactionActionType.Add, inOrder) }),
                ..(chatAction is null ? [] : new[] { chatAction }),
            ];
            await index.NoteDueAsync(actions, cancellationToken);
            try
            {
                var responses = await _table.SubmitTransactionAsync(actions, cancellationToken);
                message.ETag = responses.Value[1].Headers.ETag ?? ETag.All;
                if (chatAction is not null)
                    windows.Written(chat, responses.Value[actions.Length - 1].Headers.ETag);
                await RecordedAsync(message, events);
                return true;
            }
            catch (TableTransactionFailedException ex) when (chatAction is not null && ex.FailedTransactionActionIndex == actions.Length - 1
                                                             && ex.Status is 404 or 409 or 412 && attempt < MaxConcurrencyRetries)
            {
                windows.Forget(chat.PartitionKey, chat.RowKey);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode == Azure.Data.Tables.Models.TableErrorCode.EntityAlreadyExists.ToString()
                                                    && (ex as TableTransactionFailedException)?.FailedTransactionActionIndex is null or 0)
            {
                // Recorded before (its provider-id row is there): by this very call's first try (its answer lost), an earlier
                // delivery, or another instance. A chat record that kept conflicting is not that: it is thrown, and retried.
                windows.Forget(chat.PartitionKey, chat.RowKey);
                if (await outbox.ShouldAnnounceAsync(message, events))
                    await outbox.AnnounceAsync(message.MessageId, message.Chat);
                return false;
            }
        }
    }

    /// <summary>
    /// The message a provider's id names in one of <paramref name="partitions"/> (a session's), or null: a customer's message
    /// (its entry is written with it) or one the session sent (its entry is written with <c>sent</c>, <see cref="ProviderIdEntry"/>).
    /// One point read in each partition, at once; an entry counts only for a message of the partition it is in.
    /// </summary>
    public async Task<MessageId?> FindByProviderIdAsync(IReadOnlyList<string> partitions, string provider, string providerMessageId,
        CancellationToken cancellationToken = default)
    {
        var rowKey = MessageRowKeys.ProviderIdOf(provider, providerMessageId);
        var found = await Task.WhenAll(partitions.Select(async partition =>
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, select: ["MessageId"], cancellationToken: cancellationToken);
            return row.HasValue && MessageId.TryParse(row.Value!.GetString("MessageId"), out var id) && id.PartitionKey == partition ? id : (MessageId?)null;
        }));
        return found.FirstOrDefault(id => id is not null);
    }

    /// <summary>
    /// The index row that leads a provider's id to its message, in the message's own partition (so only a callback of that
    /// session finds it): added with a customer's message, and written beside the change that records a send <c>sent</c>.
    /// </summary>
    public static TableEntity ProviderIdEntry(MessageId id, string provider, string providerMessageId) =>
        new(id.PartitionKey, MessageRowKeys.ProviderIdOf(provider, providerMessageId)) { ["MessageId"] = id.Value };

    /// <summary>The phone number a customer's opaque id was seen with in this session, or null.</summary>
    public async Task<string?> FindAliasAsync(string session, string customerId, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(session, MessageRowKeys.AliasOf(customerId), select: ["Phone"],
            cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("Phone") : null;
    }

    /// <summary>The row that says a customer's opaque id is this phone number (written beside the message that showed both).</summary>
    public static ITableEntity Alias(string session, string customerId, string phone) =>
        new TableEntity(session, MessageRowKeys.AliasOf(customerId)) { ["Phone"] = phone };

    private static TableEntity ChatEntry(MessageEntity message) =>
        new(message.PartitionKey, MessageRowKeys.ChatEntryOf(message.ChatOrRecipient, message.MessageId)) { ["Direction"] = message.Direction };

    /// <summary>Removes a message this request wrote, its marker and its chat entry, whatever changed them since.</summary>
    public async Task RemoveAsync(MessageEntity message, CancellationToken cancellationToken = default)
    {
        var id = message.MessageId;
        _recent.Forget(id);
        try
        {
            await _table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(id.PartitionKey, id.RowKey), ETag.All),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(id.PartitionKey, MessageRowKeys.MarkerOf(id)), ETag.All),
                new TableTransactionAction(TableTransactionActionType.Delete, ChatEntry(message), ETag.All),
            ], cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Not all were there (a delete of a missing entity fails the whole transaction): the row first, so no
            // row is ever left without its marker (a chat entry without its row is skipped by listings).
            await _table.DeleteEntityAsync(id.PartitionKey, id.RowKey, ETag.All, cancellationToken);
            await _table.DeleteEntityAsync(id.PartitionKey, MessageRowKeys.MarkerOf(id), ETag.All, cancellationToken);
            await _table.DeleteEntityAsync(id.PartitionKey, ChatEntry(message).RowKey, ETag.All, cancellationToken);
        }
    }

    public async Task<MessageEntity?> FindAsync(MessageId id, CancellationToken cancellationToken = default)
    {
        var response = await _table.GetEntityIfExistsAsync<MessageEntity>(id.PartitionKey, id.RowKey, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            _recent.Forget(id);
            return null;
        }
        _recent.Remember(response.Value!);
        return response.Value;
    }

    /// <summary>
    /// This instance's copy of the row as it last read or wrote it, or null. It may be stale: use it only to start an
    /// ETag-guarded write (<see cref="UpdateAsync(MessageEntity, Func{MessageEntity, MarkerChange?}, CancellationToken)"/>),
    /// never to decide that nothing needs writing.
    /// </summary>
    public MessageEntity? Recent(MessageId id) => _recent.Find(id);

    /// <summary>
    /// Writes <paramref name="message"/> back if it is unchanged since it was read (its ETag), together with the
    /// <paramref name="marker"/> change; throws a 412 <see cref="RequestFailedException"/> when it changed meanwhile.
    /// </summary>
    public Task WriteAsync(MessageEntity message, MarkerChange marker, CancellationToken cancellationToken = default) =>
        WriteAsync(message, marker, beside: null, cancellationToken);

    /// <summary>
    /// Like <see cref="WriteAsync(MessageEntity, MarkerChange, CancellationToken)"/>, with <paramref name="beside"/>, a row of
    /// the message's partition (the provider-id entry of a send recorded <c>sent</c>), upserted in the same transaction: it
    /// lands exactly when the change does.
    /// </summary>
    public async Task WriteAsync(MessageEntity message, MarkerChange marker, ITableEntity? beside, CancellationToken cancellationToken)
    {
        var id = message.MessageId;
        var markerAction = marker switch
        {
            MarkerChange.SetMarker set => new TableTransactionAction(TableTransactionActionType.UpsertReplace, WorkMarker.For(id, set.Due)),
            MarkerChange.RemoveMarker when message.HasMarker => new TableTransactionAction(TableTransactionActionType.Delete,
                new TableEntity(id.PartitionKey, MessageRowKeys.MarkerOf(id)), ETag.All),
            _ => null,
        };
        message.HasMarker = marker switch
        {
            MarkerChange.SetMarker => true,
            MarkerChange.RemoveMarker => false,
            _ => message.HasMarker,
        };
        try
        {
            var events = await outbox.EntriesForAsync(message, cancellationToken);
            var passing = message.InLine && message.DeliveryOver;
            using var writer = passing ? await lines.WriterAsync(message, cancellationToken) : null;
            for (var attempt = 1; ; attempt++)
            {
                // The write that ends a send holding its chat's turn passes the turn on in the same transaction.
                var release = passing && message.InLine ? await lines.ReleaseAsync(message, fresh: attempt > 1, cancellationToken) : null;
                if (markerAction is null && events.Count == 0 && release is null && beside is null)
                {
                    var response = await _table.UpdateEntityAsync(message, message.ETag, TableUpdateMode.Replace, cancellationToken);
                    message.ETag = response.Headers.ETag ?? message.ETag;
                    break;
                }
                TableTransactionAction[] actions =
                [
                    new(TableTransactionActionType.UpdateReplace, message, message.ETag),
                    ..(markerAction is null ? [] : new[] { markerAction }),
                    ..(beside is null ? [] : new[] { new TableTransactionAction(TableTransactionActionType.UpsertReplace, beside) }),
                    ..events.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)),
                    ..release?.Actions ?? [],
                ];
                var turnAt = actions.Length - (release?.Actions.Length ?? 0);
                await index.NoteDueAsync(actions, cancellationToken);
                try
                {
                    var responses = await _table.SubmitTransactionAsync(actions, cancellationToken);
                    message.ETag = responses.Value[0].Headers.ETag ?? message.ETag;
                    writer?.Dispose(); // the next job's put and read need no lock
                    if (release is not null)
                        await lines.ReleasedAsync(message, release, responses.Value[turnAt].Headers.ETag);
                    break;
                }
                catch (TableTransactionFailedException ex) when (release is not null && ex.FailedTransactionActionIndex >= turnAt && attempt < MaxConcurrencyRetries)
                {
                    // The chat's record moved on since (another send accepted, a customer's message): decide on it as stored.
                    message.LinePassed = false;
                    lines.Forget(message);
                }
            }
            await RecordedAsync(message, events);
        }
        catch
        {
            _recent.Forget(id); // changed elsewhere, or the write's outcome is unknown
            throw;
        }
    }

    private async Task RecordedAsync(MessageEntity message, IReadOnlyList<OutboxEntry> events)
    {
        var announce = await outbox.ShouldAnnounceAsync(message, events);
        message.ClearReached();
        _recent.Remember(message);
        if (announce)
            await outbox.AnnounceAsync(message.MessageId, message.IsInbound ? message.Chat : null);
    }

    /// <summary>The newest messages of a session first, markers left out (<see cref="PageAsync"/>).</summary>
    public async Task<IReadOnlyList<MessageEntity>> ListAsync(Sessions.Session session, int max, CancellationToken cancellationToken = default) =>
        (await PageAsync(new MessageQuery(session.Id, max, null, null, null, null, null) { Partitions = session.Partitions }, cancellationToken)).Rows;

    /// <summary>
    /// One page of <paramref name="query"/>: rows in row-key order (newest first) and the last row key when more follow. Each
    /// of the session's partitions is read at once for up to a page and one more row, and the rows are merged by row key,
    /// which orders them by acceptance time across partitions; so the cursor, a row key, resumes every partition.
    /// </summary>
    public async Task<(IReadOnlyList<MessageEntity> Rows, string? Next)> PageAsync(MessageQuery query, CancellationToken cancellationToken = default)
    {
        var reads = MessagePartitions.All(query.Session, query.Partitions).Select(partition => PartitionPageAsync(query, partition, cancellationToken));
        var rows = (await Task.WhenAll(reads)).SelectMany(r => r).OrderBy(r => r.RowKey, StringComparer.Ordinal).Take(query.Limit + 1).ToList();
        return rows.Count > query.Limit ? (rows[..query.Limit], rows[query.Limit - 1].RowKey) : (rows, null);
    }

    private async Task<List<MessageEntity>> PartitionPageAsync(MessageQuery query, string partition, CancellationToken cancellationToken)
    {
        var clauses = new List<string> { MessageRowKeys.AcceptedBetween(query.Since, query.Until).Filter(partition) };
        if (query.After is { } after)
            clauses.Add(TableClient.CreateQueryFilter($"RowKey gt {after}"));
        if (query.Status is { } status)
            clauses.Add(TableClient.CreateQueryFilter($"Status eq {status.ToWire()}"));
        if (query.To is { } to)
            clauses.Add(TableClient.CreateQueryFilter($"Recipient eq {to}"));
        if (query.Direction is { } direction)
            clauses.Add(DirectionFilter(direction));

        var rows = new List<MessageEntity>(query.Limit + 1);
        await foreach (var row in _table.QueryAsync<MessageEntity>(string.Join(" and ", clauses), maxPerPage: query.Limit + 1,
                           cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count > query.Limit)
                break;
        }
        return rows;
    }

    /// <summary>
    /// One page of a conversation, all in the partition that holds the chat: one range read of the chat's index rows
    /// (narrowed by time and direction, written with each message), then those messages, 15 row keys to a read, in parallel;
    /// <c>status</c> and <c>to</c> are applied to the messages read, so such a page may hold fewer than the limit while another follows.
    /// </summary>
    public async Task<(IReadOnlyList<MessageEntity> Rows, string? Next)> ChatPageAsync(MessageQuery query, CancellationToken cancellationToken = default)
    {
        var partition = MessagePartitions.KeyOf(query.Session, MessagePartitions.Of(query.Chat!, query.Partitions));
        var range = MessageRowKeys.ChatIndex(query.Chat!, MessageRowKeys.AcceptedBetween(query.Since, query.Until), query.After);
        var filter = range.Filter(partition) + (query.Direction is { } d ? " and " + DirectionFilter(d) : "");
        var keys = new List<string>(query.Limit + 1);
        await foreach (var entry in _table.QueryAsync<TableEntity>(filter, maxPerPage: query.Limit + 1, select: ["RowKey"], cancellationToken))
        {
            keys.Add(MessageRowKeys.MessageOfChatEntry(entry.RowKey));
            if (keys.Count > query.Limit)
                break;
        }
        var next = keys.Count > query.Limit ? keys[query.Limit - 1] : null;
        var page = keys.Take(query.Limit).ToList();
        var reads = page.Chunk(15).Select(async chunk =>
        {
            var rows = new List<MessageEntity>();
            var byKey = string.Join(" or ", chunk.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}")));
            await foreach (var row in _table.QueryAsync<MessageEntity>($"{TableClient.CreateQueryFilter($"PartitionKey eq {partition}")} and ({byKey})",
                               cancellationToken: cancellationToken))
                rows.Add(row);
            return rows;
        });
        var found = (await Task.WhenAll(reads)).SelectMany(r => r)
            .Where(m => query.Status is not { } status || m.Status == status.ToWire())
            .Where(m => query.To is not { } to || m.Recipient == to)
            .OrderBy(m => m.RowKey, StringComparer.Ordinal)
            .ToList();
        return (found, next);
    }

    /// <summary>Rows from before messages had a direction (no such property) are the session's own: "not inbound" keeps them.</summary>
    private static string DirectionFilter(MessageDirection direction) => direction == MessageDirection.Inbound
        ? TableClient.CreateQueryFilter($"Direction eq {MessageDirections.Inbound}")
        : $"not ({TableClient.CreateQueryFilter($"Direction eq {MessageDirections.Inbound}")})";

    /// <summary>A partition's markers whose time has come.</summary>
    public IAsyncEnumerable<WorkMarker> DueMarkersAsync(string partition, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _table.QueryAsync<WorkMarker>($"{MessageRowKeys.Markers.Filter(partition)} and {TableClient.CreateQueryFilter($"Due le {now}")}",
            cancellationToken: cancellationToken);

    /// <summary>
    /// A partition's work markers and outbox entries (chat-order entries too) whose time has come, in one range read: markers
    /// first, as <see cref="WorkMarker"/>, then the entries. The range is read as outbox entries, whose fields include a
    /// marker's, so each marker is turned back into one before it is written.
    /// </summary>
    public async IAsyncEnumerable<IDueRow> DueRowsAsync(string partition, DateTimeOffset now,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var range = new RowKeyRange(MessageRowKeys.Markers.From, MessageRowKeys.Outbox.To);
        await foreach (var row in _table.QueryAsync<OutboxEntry>($"{range.Filter(partition)} and {TableClient.CreateQueryFilter($"Due le {now}")}",
                           cancellationToken: cancellationToken))
            yield return MessageRowKeys.Markers.Contains(row.RowKey)
                ? new WorkMarker { PartitionKey = row.PartitionKey, RowKey = row.RowKey, ETag = row.ETag, Timestamp = row.Timestamp, Due = row.Due }
                : row;
    }

    /// <summary>
    /// Moves a marker's or outbox entry's due time if no one else did since it was read; false when someone did, or it
    /// is gone. This is how one of many sweepers takes it.
    /// </summary>
    public async Task<bool> PostponeAsync<T>(T row, DateTimeOffset due, CancellationToken cancellationToken = default) where T : class, IDueRow
    {
        await index.NoteDueAsync(row.PartitionKey, [due], cancellationToken);
        try
        {
            row.Due = due;
            await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Moves a message's marker to <paramref name="due"/>, if it has one.</summary>
    public async Task PostponeMarkerAsync(MessageId id, DateTimeOffset due, CancellationToken cancellationToken = default)
    {
        await index.NoteDueAsync(id.PartitionKey, [due], cancellationToken);
        try
        {
            await _table.UpdateEntityAsync(WorkMarker.For(id, due), ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    /// <summary>Removes a marker whose message no longer exists.</summary>
    public async Task RemoveMarkerAsync(MessageId id, CancellationToken cancellationToken = default) =>
        await _table.DeleteEntityAsync(id.PartitionKey, MessageRowKeys.MarkerOf(id), ETag.All, cancellationToken);

    /// <summary>
    /// Like <see cref="UpdateAsync(MessageId, Func{MessageEntity, MarkerChange?}, CancellationToken)"/>, starting from
    /// <paramref name="known"/>, a copy of the row read or written moments ago: its ETag guards the write, so when it is
    /// still current this costs no read. When the row changed since (412), or the change finds nothing to write on that
    /// copy (which might be stale), it reads the row and decides again.
    /// </summary>
    public Task<MessageEntity?> UpdateAsync(MessageEntity known, Func<MessageEntity, MarkerChange?> change,
        CancellationToken cancellationToken = default) =>
        UpdateAsync(known, change, beside: null, cancellationToken);

    /// <summary>
    /// Like <see cref="UpdateAsync(MessageEntity, Func{MessageEntity, MarkerChange?}, CancellationToken)"/>, and whenever
    /// <paramref name="change"/> writes, <paramref name="beside"/> is upserted in the same transaction
    /// (<see cref="WriteAsync(MessageEntity, MarkerChange, ITableEntity?, CancellationToken)"/>); when it writes nothing, neither is.
    /// </summary>
    public async Task<MessageEntity?> UpdateAsync(MessageEntity known, Func<MessageEntity, MarkerChange?> change, ITableEntity? beside,
        CancellationToken cancellationToken)
    {
        var copy = known.Copy();
        if (change(copy) is { } marker)
        {
            try
            {
                await WriteAsync(copy, marker, beside, cancellationToken);
                return copy;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
            }
        }
        return await UpdateFromStorageAsync(known.MessageId, change, beside, cancellationToken);
    }

    public void Dispose() => _recent.Dispose();

    /// <summary>
    /// Applies <paramref name="change"/> to the current row and writes it back, with the marker change it returns, if
    /// the row did not change meanwhile; on a concurrent write it reads again and retries. <paramref name="change"/>
    /// returns null when it has nothing to write. Returns the row as stored, or null when there is no such message.
    /// It starts from this instance's recent copy of the row when it has one, which saves the read while no one else
    /// changed the row.
    /// </summary>
    public async Task<MessageEntity?> UpdateAsync(MessageId id, Func<MessageEntity, MarkerChange?> change, CancellationToken cancellationToken = default)
    {
        if (_recent.Find(id) is { } recent)
            return await UpdateAsync(recent, change, cancellationToken);
        return await UpdateFromStorageAsync(id, change, beside: null, cancellationToken);
    }

    private async Task<MessageEntity?> UpdateFromStorageAsync(MessageId id, Func<MessageEntity, MarkerChange?> change, ITableEntity? beside,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await FindAsync(id, cancellationToken);
            if (current is null || change(current) is not { } marker)
                return current;
            try
            {
                await WriteAsync(current, marker, beside, cancellationToken);
                return current;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxConcurrencyRetries)
            {
            }
        }
    }
}
