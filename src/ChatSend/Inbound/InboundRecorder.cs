using System.Security.Cryptography;
using System.Text;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Callbacks;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Telemetry;
using Microsoft.Extensions.Logging;

namespace ChatSend.Inbound;

/// <summary>
/// Records a customer's message as a message of the session, <c>received</c>, exactly once: its row, its index rows and
/// its <c>received</c> event go in one transaction, and a second delivery of the same provider message (a provider
/// retrying, two instances handling one callback) conflicts on the provider-id row and writes nothing. Its row key is
/// the provider's time for the message and a hash of the provider's id, so the same message always gets the same id.
/// A message with a file is recorded with the provider's reference and a work marker instead of its event, and its
/// fetch is queued (<see cref="InboundMediaFetcher"/>); the event is written when the file is settled.
/// </summary>
public sealed partial class InboundRecorder(MessageStore messages, ProviderMessageIndex index, InboundMediaFetcher media, TimeProvider time,
    ILogger<InboundRecorder> logger)
{
    /// <returns>The message as recorded, and whether this call recorded it (false: it was recorded before).</returns>
    public async Task<(MessageEntity Message, bool Recorded)> RecordAsync(Session session, string provider, InboundReport report,
        CancellationToken cancellationToken)
    {
        var sentAt = report.SentAt ?? time.GetUtcNow();
        var (chat, sender, alias) = await IdentifyAsync(session.Id, report, cancellationToken);
        var id = new MessageId(MessagePartitions.For(session, chat), RowKeyOf(sentAt, provider, report.ProviderMessageId));
        var message = new MessageEntity
        {
            PartitionKey = id.PartitionKey,
            RowKey = id.RowKey,
            Id = id.Value,
            Direction = MessageDirections.Inbound,
            Chat = chat,
            Sender = sender,
            To = session.SenderPhone,
            Recipient = session.SenderPhone,
            MessageType = report.Type,
            Text = Cut(report.Text),
            Content = Cut(report.Text) ?? "",
            AcceptedAt = sentAt,
            ProviderMessageId = report.ProviderMessageId,
            ProviderMedia = report.Type.HasMedia() ? report.Media : null, // a reference on a type without a file is not fetched
        };
        if (report.QuotedProviderId is { } quoted)
        {
            message.ReplyTo = (await FindAsync(session, provider, quoted, chat, cancellationToken))?.Value;
            message.ReplyToProviderId = quoted;
        }
        message.Details = (report.Details is { Reaction: { } reaction } details
            ? details with { Reaction = reaction with { MessageId = (await FindAsync(session, provider, reaction.MessageId, chat, cancellationToken))?.Value ?? reaction.MessageId } }
            : report.Details)?.ToJson();
        message.Advance(MessageStatus.Received, sentAt);

        var recorded = await messages.InsertReceivedAsync(message, provider,
            markerDue: message.MediaPending ? media.MarkerDue(time.GetUtcNow()) : null, alias is null ? null : [alias], cancellationToken);
        if (recorded && message.MediaPending)
            await media.QueueAsync(message);
        if (recorded)
        {
            ChatSendTelemetry.Received.Add(1, new KeyValuePair<string, object?>(ChatSendTelemetry.Tags.MessageType, message.Type));
            LogRecorded(message.Id, message.Type, Recipient.Mask(message.Chat!));
        }
        else
            LogAlreadyRecorded(message.Id);
        return (message, recorded);
    }

    /// <summary>
    /// Who wrote: a customer known by an opaque id (a LID, a Cloud API user id) is shown by the phone number once a callback
    /// gave the two together, so one person stays one chat. The first such callback also writes the alias row (beside its
    /// message, in the session's first partition); later ones with the id alone read it (one point read).
    /// </summary>
    private async Task<(string Chat, string Sender, Azure.Data.Tables.ITableEntity? Alias)> IdentifyAsync(string session, InboundReport report,
        CancellationToken cancellationToken)
    {
        if (report.Sender.StartsWith('+') || ChatAddress.IsGroup(report.Sender))
            return (report.Chat, report.Sender, null);
        var phone = report.SenderPhone is { } given ? ChatAddress.FromJid(given) is var p && p.StartsWith('+') ? p : null
            : await messages.FindAliasAsync(session, report.Sender, cancellationToken);
        if (phone is null)
            return (report.Chat, report.Sender, null);
        // In a one-to-one chat the chat is the customer; in a group it stays the group.
        var chat = report.Chat == report.Sender ? phone : report.Chat;
        return (chat, phone, report.SenderPhone is null ? null : MessageStore.Alias(session, report.Sender, phone));
    }

    /// <summary>
    /// The session's message a provider's id names: a customer's or one the session sent (both indexed in its partition),
    /// looked for first in <paramref name="chat"/>'s partition, where a message quoted or reacted to in the chat is.
    /// </summary>
    public Task<MessageId?> FindAsync(Session session, string provider, string providerMessageId, string? chat, CancellationToken cancellationToken) =>
        index.FindAsync(provider, session, providerMessageId, chat, cancellationToken);

    /// <summary>
    /// At most this many characters of a customer's text are kept (WhatsApp allows 65,536, a table property holds 32,767),
    /// and at most <see cref="MaxTextJsonBytes"/> of it as JSON writes it in a queue message.
    /// </summary>
    public const int MaxTextCharacters = 16_000;

    /// <summary>
    /// The most bytes a customer's text takes as queue-message JSON (UTF-8; what JSON must escape as <c>\uXXXX</c>, six
    /// bytes a character), so its event fits one webhook job (47 KB) with the rest of the message: 13,333 CJK characters,
    /// 16,000 Latin ones, 6,666 quotes.
    /// </summary>
    public const int MaxTextJsonBytes = 40_000;

    /// <summary>The text, cut between two characters a reader sees (never inside an emoji or before its accents).</summary>
    private static string? Cut(string? text)
    {
        if (text is null || text.Length <= MaxTextCharacters && JsonBytes(text) <= MaxTextJsonBytes)
            return text;
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(text);
        var (length, bytes) = (0, 0);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            var cost = JsonBytes(element);
            if (length + element.Length > MaxTextCharacters || bytes + cost > MaxTextJsonBytes)
                break;
            (length, bytes) = (length + element.Length, bytes + cost);
        }
        return text[..length];
    }

    private static int JsonBytes(string text) => Encoding.UTF8.GetByteCount(Queues.MinimalJsonEncoder.Instance.Encode(text));

    /// <summary>The provider's time (newer first, as every message row) and 10 base32 letters of a hash of its id.</summary>
    public static string RowKeyOf(DateTimeOffset sentAt, string provider, string providerMessageId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{provider}:{providerMessageId}"));
        Span<char> letters = stackalloc char[10];
        for (var i = 0; i < letters.Length; i++)
            letters[i] = Base32[hash[i] % 32];
        return MessageId.TimePrefix(sentAt) + new string(letters);
    }

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    [LoggerMessage(LogLevel.Information, "Message {MessageId} ({Type}) received from {Chat}")]
    private partial void LogRecorded(string messageId, string type, string chat);

    [LoggerMessage(LogLevel.Information, "Message {MessageId} was recorded before: a callback delivered again; nothing written")]
    private partial void LogAlreadyRecorded(string messageId);
}
