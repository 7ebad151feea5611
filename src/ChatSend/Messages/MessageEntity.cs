using System.Runtime.Serialization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ChatSend.Send;
using ChatSend.Telemetry;

namespace ChatSend.Messages;

/// <summary>One message row: every response field, the delivery state and the status history.</summary>
public sealed class MessageEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Id { get; set; } = "";
    public string To { get; set; } = "";
    public string Content { get; set; } = "";
    public string Type { get; set; } = "";
    public DateTimeOffset AcceptedAt { get; set; }
    public string Status { get; set; } = "";
    public string Sender { get; set; } = "";
    public string Recipient { get; set; } = "";
    public string? Text { get; set; }

    /// <summary>For a template message: the template and its values as JSON (<see cref="Templates.SendTemplate"/>).</summary>
    public string? Template { get; set; }

    /// <summary>A free-form message sent as its <c>fallbackTemplate</c>, the chat's 24-hour window being closed.</summary>
    public bool Fallback { get; set; }

    /// <summary>A scheduled free-form message's <c>fallbackTemplate</c> as JSON, for its delivery to use if the window closed meanwhile.</summary>
    public string? FallbackTemplate { get; set; }

    /// <summary>Link-preview fields as JSON, for text messages that carry them.</summary>
    public string? Preview { get; set; }

    /// <summary>Status history as JSON: <c>[{"status":"queued","at":"…"}, …]</c>.</summary>
    public string History { get; set; } = "[]";

    /// <summary>For media messages: the URL as the client gave it, and the staged copy in the media container.</summary>
    public string? MediaUrl { get; set; }
    public string? MediaBlob { get; set; }
    public string? MimeType { get; set; }
    public string? FileName { get; set; }
    public long? MediaLength { get; set; }
    public string? MediaSha256 { get; set; }

    public string? ProviderMessageId { get; set; }
    public string? FailureReason { get; set; }

    /// <summary><c>inbound</c> for a customer's message; empty (rows from before) or <c>outbound</c> for one the session sent.</summary>
    public string Direction { get; set; } = "";

    /// <summary>The other side of the conversation: the recipient of a sent message, the customer or group of a received one.</summary>
    public string? Chat { get; set; }

    /// <summary>
    /// A customer's message whose <c>received</c> event waits in its chat's order (written with an entry there,
    /// <see cref="Events.ChatOrder"/>). False for rows from before chats were ordered, and for a message recorded while
    /// no sink followed the session: their <c>received</c> event is an ordinary outbox entry, when their file settles.
    /// </summary>
    public bool InChatOrder { get; set; }

    /// <summary>A send whose client opted out of the order within its chat (<c>"ordered": false</c>): it waits for no one.</summary>
    public bool Unordered { get; set; }

    /// <summary>
    /// A send's number in its chat's line (<see cref="Delivery.ChatLines"/>): given when it is accepted, or for a scheduled
    /// message when its time comes. Null for customers' messages, unordered sends and rows from before sends were ordered.
    /// </summary>
    public long? LineNumber { get; set; }

    /// <summary>The send's turn in its chat has passed: it was sent or ended while it held the turn, and the next one may go.</summary>
    public bool LinePassed { get; set; }

    /// <summary>
    /// Set by the delivery attempt whose job proved the message holds its turn (not stored): what that job knew of the
    /// chat's record, so the write that ends the message can pass the turn on without reading it.
    /// </summary>
    [IgnoreDataMember]
    public Delivery.LineTurn? Turn { get; set; }

    /// <summary>An outbound send that keeps its place in its chat's order (<c>ordered</c> not false).</summary>
    [IgnoreDataMember]
    public bool KeepsOrder => !IsInbound && !Unordered;

    /// <summary>A send that has a number in its chat's line and whose turn has not passed yet.</summary>
    [IgnoreDataMember]
    public bool InLine => LineNumber is not null && !LinePassed;

    /// <summary>Its delivery is over: handed to the provider or ended, and no attempt holds it.</summary>
    [IgnoreDataMember]
    public bool DeliveryOver => CurrentStatus is not (MessageStatus.Queued or MessageStatus.Scheduled) && ClaimId is null;

    /// <summary>The message this one quotes: ChatSend's id when ChatSend knows it, else only the provider's id for it.</summary>
    public string? ReplyTo { get; set; }
    public string? ReplyToProviderId { get; set; }

    /// <summary>A received message's location, contacts, reaction or button, as JSON (<see cref="MessageDetails"/>).</summary>
    public string? Details { get; set; }

    /// <summary>
    /// The provider's reference to a received message's file, as JSON, until the file is settled (staged, or given up on
    /// with <see cref="MediaError"/>, why fetching it failed, in words for people). While it is set, the message's events
    /// wait (<see cref="Events.EventOutbox"/>) and its work marker leads to the fetch (<see cref="Inbound.InboundMediaFetcher"/>).
    /// </summary>
    public string? ProviderMedia { get; set; }
    public string? MediaError { get; set; }

    /// <summary>How many times delivery was handed to the provider.</summary>
    public int Attempts { get; set; }

    /// <summary>When a scheduled message is to be sent.</summary>
    public DateTimeOffset? SendAt { get; set; }

    /// <summary>The delivery attempt that holds the message (its provider call may be under way) and until when.</summary>
    public string? ClaimId { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }

    /// <summary>When pacing lets a waiting message go (the session's rate or the gap to its recipient).</summary>
    public DateTimeOffset? ExpectedAt { get; set; }

    /// <summary>
    /// The W3C context of the send that accepted the message (<c>traceparent</c>, and <c>tracestate</c> when there is
    /// one): later hops (delivery attempts, receipts, which come from webhooks without one) join its trace. Null for
    /// messages accepted while no one traced.
    /// </summary>
    public string? TraceParent { get; set; }
    public string? TraceState { get; set; }

    /// <summary>True while the message's <see cref="WorkMarker"/> exists; written in the same transaction as the marker.</summary>
    public bool HasMarker { get; set; }

    [IgnoreDataMember]
    public MessageId MessageId => new(PartitionKey, RowKey);

    /// <summary>The session the message belongs to (its partition key names it, <see cref="MessagePartitions"/>).</summary>
    [IgnoreDataMember]
    public string Session => MessagePartitions.SessionOf(PartitionKey);

    [IgnoreDataMember]
    public TraceContext? Trace => TraceContext.From(TraceParent, TraceState);

    [IgnoreDataMember]
    public MessageStatus CurrentStatus => MessageStatuses.Parse(Status);

    [IgnoreDataMember]
    public bool IsInbound => Direction == MessageDirections.Inbound;

    /// <summary>A customer's file that is neither staged nor given up on yet.</summary>
    [IgnoreDataMember]
    public bool MediaPending => ProviderMedia is not null;

    /// <summary>The chat, for rows written before messages recorded one (a sent message's chat is its recipient).</summary>
    [IgnoreDataMember]
    public string ChatOrRecipient => Chat ?? Recipient;

    [IgnoreDataMember]
    public MessageType MessageType
    {
        get => MessageTypes.Parse(Type);
        set => Type = value.ToWire();
    }

    /// <summary>The statuses this object reached since it was read or copied: the events its next write records.</summary>
    [IgnoreDataMember]
    public IReadOnlyList<StatusChange> Reached => _reached ?? [];

    private List<StatusChange>? _reached;

    /// <summary>A copy to change without touching this one (its ETag included), with nothing <see cref="Reached"/> yet.</summary>
    public MessageEntity Copy()
    {
        var copy = (MessageEntity)MemberwiseClone();
        copy._reached = null;
        return copy;
    }

    /// <summary>After a write: what was reached is recorded.</summary>
    public void ClearReached() => _reached = null;

    /// <summary>
    /// Every status in the history becomes <see cref="Reached"/> again, for the next write to record their events: the
    /// events a customer's message held back while its file was fetched (<see cref="MediaPending"/>).
    /// </summary>
    public void ReachAgain() => _reached = GetHistory().ToList();

    public IReadOnlyList<StatusChange> GetHistory() =>
        JsonSerializer.Deserialize<List<StatusChange>>(History, JsonOptions) ?? [];

    /// <summary>
    /// Moves the status forward and records when; false when <see cref="MessageStatuses.Moves"/> does not allow the
    /// move, or for <c>played</c> on anything but a voice note.
    /// </summary>
    public bool Advance(MessageStatus to, DateTimeOffset at, string? failureReason = null)
    {
        if (Status.Length > 0 && !MessageStatuses.CanMove(CurrentStatus, to))
            return false;
        if (to == MessageStatus.Played && Type.Length > 0 && MessageType != MessageType.Ptt)
            return false;
        Status = to.ToWire();
        var change = new StatusChange(to, at);
        History = JsonSerializer.Serialize(GetHistory().Append(change), JsonOptions);
        (_reached ??= []).Add(change);
        if (to == MessageStatus.Failed)
            FailureReason = failureReason;
        return true;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

public sealed record StatusChange(MessageStatus Status, DateTimeOffset At);
