using Azure.Data.Tables;

namespace ChatSend.Messages;

/// <summary>
/// The row keys of the messages table, the one place that knows them. A session's partition (each of them, for a session
/// of several, <see cref="MessagePartitions"/>: a chat's rows all in one) holds these kinds of rows:
/// <list type="bullet">
/// <item>a <b>message</b>: its <see cref="MessageId.RowKey"/>, 16 hex digits of inverted acceptance ticks and 10 base32
/// letters (<c>[0-9a-f]{16}[a-z2-7]{10}</c>), so newer messages sort first;</item>
/// <item>its <b>work marker</b> (<see cref="WorkMarker"/>) while it has work ahead: <c>~</c> + the message row key;</item>
/// <item>its <b>outbox entries</b> (<see cref="Events.OutboxEntry"/>), one per status change not yet handed to every
/// sink: <c>~~</c> + the message row key + <c>:</c> + the change's position in the history as two digits;</item>
/// <item>a customer's message whose <c>received</c> event waits for its turn in its chat (<see cref="Events.ChatOrder"/>):
/// <c>~~q:</c> + the escaped chat + <c>:</c> + the customer's time and the time it was recorded, in ascending ticks, so
/// a chat's waiting events read oldest first; before them, at <c>~~q:</c> + the escaped chat + <c>:</c>, the chat's
/// order record (the next <c>chatsequence</c>). They sort after every outbox entry and before the index rows, so the
/// sweeper's outbox read finds a waiting entry whose job was lost;</item>
/// <item>for a customer's message, two <b>index rows</b>, written once with it and never changed: its provider's id
/// (<c>~~~p:</c> + provider + <c>:</c> + the escaped id), which makes a redelivered callback conflict instead of
/// recording the message twice and lets a reply find the message it quotes; and its place in its chat
/// (<c>~~~c:</c> + the escaped chat + <c>:</c> + the message row key), which lists a conversation with one range read;</item>
/// <item>for a message the session sent through a provider that reports by its own id, the same <b>provider-id row</b>
/// (<c>~~~p:</c>…), written in the transaction that records it <c>sent</c>, so a status callback finds it with one point
/// read and a customer's reply finds the message it quotes (<see cref="Providers.ProviderMessageIndex"/>). A provider gives
/// a send and a customer's message distinct ids; were a customer's message to come with a sent message's id, it would
/// conflict like a redelivery and not be recorded;</item>
/// <item>for a customer known by an opaque id (a WhatsApp LID, a Cloud API user id), once a callback gave it together with
/// a phone number, an <b>alias</b> row (<c>~~~a:</c> + the escaped id) holding that number, so the person stays one chat;</item>
/// <item>for each chat a customer wrote in or the session sent to, its <b>record</b> (<c>~~~h:</c> + the escaped chat): when the
/// customer last wrote and whether the provider closed the chat's window since, for the 24-hour window, and how far the
/// session's sends to the chat have got in their order (<see cref="Chats.ChatRecord"/>);</item>
/// <item>for each send waiting for its turn in its chat (<see cref="Delivery.ChatLines"/>), a <b>line entry</b>
/// (<c>~~~o:</c> + the escaped chat + <c>:</c> + its number in the chat's line, 19 digits) naming the message, removed when
/// its turn passes;</item>
/// <item>for each webhook endpoint and chat it had received events of, a <b>cursor</b> (<c>~~~w:</c> + the webhook id + <c>:</c> +
/// its chat epoch + <c>:</c> + the escaped chat): the next <c>chatsequence</c> the endpoint is owed, so it gets a chat's events in order.</item>
/// </list>
/// Row keys compare ordinally, and <c>~</c> sorts after every digit and lowercase letter, so the partition reads as
/// every message row, then every work marker, then every outbox entry, then the index rows. That gives each reader one
/// row-key range and no scan: a listing reads <see cref="Messages"/> (below <c>~</c>), narrowed by acceptance time with
/// <see cref="AcceptedBetween"/>; the sweeper reads <see cref="Markers"/> (from <c>~</c> up to <c>~~</c>) and
/// <see cref="Outbox"/> (from <c>~~</c> up to <c>~~~</c>); a message's pending events are <see cref="OutboxOf"/> (from
/// <c>~~key:</c> up to <c>~~key;</c>, since <c>;</c> follows <c>:</c>), in status order; a chat's messages are
/// <see cref="ChatIndex"/>, newest first.
/// </summary>
public static class MessageRowKeys
{
    private const string MarkerPrefix = "~";
    private const string OutboxPrefix = "~~";
    private const string IndexPrefix = "~~~";
    private const string ProviderIdPrefix = IndexPrefix + "p:";
    private const string ChatPrefix = IndexPrefix + "c:";
    private const string AliasPrefix = IndexPrefix + "a:";
    private const string ChatRecordPrefix = IndexPrefix + "h:";
    private const string ChatOrderPrefix = OutboxPrefix + "q:";
    private const string WebhookCursorPrefix = IndexPrefix + "w:";
    private const string ChatLinePrefix = IndexPrefix + "o:";

    /// <summary>Every message row, and nothing else.</summary>
    public static RowKeyRange Messages { get; } = new(null, MarkerPrefix);

    /// <summary>Every work marker, and nothing else.</summary>
    public static RowKeyRange Markers { get; } = new(MarkerPrefix, OutboxPrefix);

    /// <summary>Every outbox entry, and nothing else.</summary>
    public static RowKeyRange Outbox { get; } = new(OutboxPrefix, IndexPrefix);

    /// <summary>The index row of a message by its provider's id: a customer's, or one the session sent.</summary>
    public static string ProviderIdOf(string provider, string providerMessageId) =>
        $"{ProviderIdPrefix}{provider}:{Uri.EscapeDataString(providerMessageId)}";

    /// <summary>A message's index row in its chat: the chat's rows sort newest first, as messages do.</summary>
    public static string ChatEntryOf(string chat, MessageId id) => $"{ChatPrefix}{Uri.EscapeDataString(chat)}:{id.RowKey}";

    /// <summary>
    /// The index rows of one chat (newest first) for the message rows in <paramref name="messages"/>, after the message row
    /// key <paramref name="after"/> when given.
    /// </summary>
    public static RowKeyRange ChatIndex(string chat, RowKeyRange messages, string? after = null)
    {
        var prefix = $"{ChatPrefix}{Uri.EscapeDataString(chat)}:";
        var from = prefix + (messages.From ?? "");
        if (after is not null && string.CompareOrdinal(prefix + after + "!", from) > 0)
            from = prefix + after + "!"; // '!' sorts before every row key character: the first key after 'after'
        return new(from, prefix + (messages.To ?? MarkerPrefix));
    }

    /// <summary>A chat's record: when its customer last wrote, whether the provider closed its window since (<see cref="Chats.ChatRecord"/>).</summary>
    public static string ChatRecordOf(string chat) => $"{ChatRecordPrefix}{Uri.EscapeDataString(chat)}";

    /// <summary>The entry of the send numbered <paramref name="number"/> in its chat's line (<see cref="Delivery.ChatLines"/>).</summary>
    public static string ChatLineEntryOf(string chat, long number) => $"{ChatLinePrefix}{Uri.EscapeDataString(chat)}:{number:D19}";

    /// <summary>The row that maps a customer's opaque id (a WhatsApp LID, a Cloud API user id) to the phone number seen with it.</summary>
    public static string AliasOf(string customerId) => $"{AliasPrefix}{Uri.EscapeDataString(customerId)}";

    /// <summary>A chat's order record: the <c>chatsequence</c> its next received event gets.</summary>
    public static string ChatOrderOf(string chat) => $"{ChatOrderPrefix}{Uri.EscapeDataString(chat)}:";

    /// <summary>A customer's message waiting for its turn in its chat, placed by the customer's time, then by when it was recorded.</summary>
    public static string ChatOrderEntryOf(string chat, DateTimeOffset sentAt, DateTimeOffset recordedAt) =>
        $"{ChatOrderOf(chat)}{sentAt.UtcTicks:D19}{recordedAt.UtcTicks:D19}";

    /// <summary>A chat's order record and its waiting entries, oldest first (one range read).</summary>
    public static RowKeyRange ChatOrder(string chat) => new(ChatOrderOf(chat), $"{ChatOrderPrefix}{Uri.EscapeDataString(chat)};");

    public static bool IsChatOrderEntry(string rowKey) => rowKey.StartsWith(ChatOrderPrefix, StringComparison.Ordinal);

    /// <summary>The chat a chat-order row belongs to.</summary>
    public static string ChatOfOrderEntry(string rowKey) =>
        Uri.UnescapeDataString(rowKey[ChatOrderPrefix.Length..rowKey.LastIndexOf(':')]);

    /// <summary>How far one webhook endpoint has had a chat's received events: the next <c>chatsequence</c> it is owed.</summary>
    public static string WebhookCursorOf(string webhook, int epoch, string chat) =>
        $"{WebhookCursorPrefix}{webhook}:{epoch}:{Uri.EscapeDataString(chat)}";

    /// <summary>Every chat cursor of one webhook endpoint.</summary>
    public static RowKeyRange WebhookCursors(string webhook) => new($"{WebhookCursorPrefix}{webhook}:", $"{WebhookCursorPrefix}{webhook};");

    /// <summary>The message row key a chat index row points at.</summary>
    public static string MessageOfChatEntry(string chatRowKey) => chatRowKey[(chatRowKey.LastIndexOf(':') + 1)..];

    /// <summary>
    /// The message rows accepted at or after <paramref name="since"/> and at or before <paramref name="until"/> (either
    /// may be open). Newer rows sort first, so <paramref name="until"/> gives the lower bound and <paramref name="since"/>
    /// the upper one.
    /// </summary>
    public static RowKeyRange AcceptedBetween(DateTimeOffset? since, DateTimeOffset? until) => new(
        until is { } u ? MessageId.TimePrefix(u) : null,
        since is { } s ? MessageId.TimePrefix(s) + MarkerPrefix : MarkerPrefix);

    public static string MarkerOf(MessageId id) => MarkerPrefix + id.RowKey;

    public static string OutboxEntryOf(MessageId id, int position) => $"{OutboxPrefix}{id.RowKey}:{position:D2}";

    /// <summary>The outbox entries of one message, in the order of its history.</summary>
    public static RowKeyRange OutboxOf(MessageId id) => new($"{OutboxPrefix}{id.RowKey}:", $"{OutboxPrefix}{id.RowKey};");

    /// <summary>The message row key a work marker's row key belongs to.</summary>
    public static string MessageOfMarker(string markerRowKey) => markerRowKey[MarkerPrefix.Length..];

    /// <summary>The message row key an outbox entry's row key belongs to.</summary>
    public static string MessageOfOutbox(string outboxRowKey) => outboxRowKey[OutboxPrefix.Length..outboxRowKey.LastIndexOf(':')];
}

/// <summary>Row keys from <see cref="From"/> (inclusive) up to <see cref="To"/> (exclusive); null leaves that end open.</summary>
public readonly record struct RowKeyRange(string? From, string? To)
{
    public bool Contains(string rowKey) =>
        (From is null || string.CompareOrdinal(rowKey, From) >= 0) && (To is null || string.CompareOrdinal(rowKey, To) < 0);

    /// <summary>A query filter for this range in one partition.</summary>
    public string Filter(string partitionKey)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}");
        if (From is not null)
            filter += " and " + TableClient.CreateQueryFilter($"RowKey ge {From}");
        if (To is not null)
            filter += " and " + TableClient.CreateQueryFilter($"RowKey lt {To}");
        return filter;
    }
}
