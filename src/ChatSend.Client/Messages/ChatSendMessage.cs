using System.Text.Json.Serialization;

namespace ChatSend.Client;

/// <summary>A message as ChatSend answers it: from <c>POST /send</c>, <c>GET</c>, <c>DELETE</c>, the list, and in webhook events.</summary>
public sealed record ChatSendMessage
{
    /// <summary>The unique message id.</summary>
    [JsonPropertyName("id")] public string Id { get; init; } = "";

    /// <summary>The recipient phone number (E.164) or group JID.</summary>
    [JsonPropertyName("to")] public string To { get; init; } = "";

    /// <summary>The text, the media reference, or the caption.</summary>
    [JsonPropertyName("content")] public string Content { get; init; } = "";

    /// <summary>The message type.</summary>
    [JsonPropertyName("type")] public MessageType Type { get; init; }

    /// <summary>When the message was accepted (UTC).</summary>
    [JsonPropertyName("timestamp")] public DateTimeOffset Timestamp { get; init; }

    /// <summary>The delivery status; on <c>POST /send</c>'s answer, the status it was accepted with.</summary>
    [JsonPropertyName("status")] public MessageStatus Status { get; init; }

    /// <summary>True when sent by the current session.</summary>
    [JsonPropertyName("fromMe")] public bool FromMe { get; init; }

    /// <summary>The session's phone number.</summary>
    [JsonPropertyName("sender")] public string Sender { get; init; } = "";

    /// <summary>The recipient identifier.</summary>
    [JsonPropertyName("recipient")] public string Recipient { get; init; } = "";

    /// <summary>Every status reached, oldest first (on <c>GET</c>, the list and events).</summary>
    [JsonPropertyName("statusHistory")] public IReadOnlyList<StatusChange>? StatusHistory { get; init; }

    /// <summary>When a scheduled message is (or was) to be sent.</summary>
    [JsonPropertyName("sendAt")] public DateTimeOffset? SendAt { get; init; }

    /// <summary>Why a <c>failed</c> message failed.</summary>
    [JsonPropertyName("failureReason")] public string? FailureReason { get; init; }

    /// <summary><c>outbound</c> for a message the session sent, <c>inbound</c> for a customer's.</summary>
    [JsonPropertyName("direction")] public string? Direction { get; init; }

    /// <summary>The other side of the conversation: the recipient of a sent message; the customer, or the group, of a received one.</summary>
    [JsonPropertyName("chat")] public string? Chat { get; init; }

    /// <summary>The provider's id for the message, once it has one.</summary>
    [JsonPropertyName("providerMessageId")] public string? ProviderMessageId { get; init; }

    /// <summary>The message this one quotes: ChatSend's id as a string, or <c>{"providerMessageId": …}</c> when ChatSend does not have it.</summary>
    [JsonPropertyName("replyTo")] public System.Text.Json.JsonElement? ReplyTo { get; init; }

    /// <summary>A customer's location.</summary>
    [JsonPropertyName("location")] public MessageLocation? Location { get; init; }

    /// <summary>A customer's shared contacts.</summary>
    [JsonPropertyName("contacts")] public IReadOnlyList<MessageContact>? Contacts { get; init; }

    /// <summary>A customer's reaction: the emoji (empty when removed) and the message it is on.</summary>
    [JsonPropertyName("reaction")] public MessageReaction? Reaction { get; init; }

    /// <summary>The button or list row a customer tapped.</summary>
    [JsonPropertyName("button")] public MessageButton? Button { get; init; }

    /// <summary>The message's file: its URL, type, name, size and SHA-256; or pending (a customer's file being fetched); or why it failed.</summary>
    [JsonPropertyName("media")] public MessageMedia? Media { get; init; }

    /// <summary>True when a free-form message was sent as its fallback template, the chat's window being closed.</summary>
    [JsonPropertyName("fallback")] public bool? Fallback { get; init; }

    /// <summary>False for a message sent with <see cref="SendMessageRequest.Ordered"/> false (it waited for no earlier message to its chat).</summary>
    [JsonPropertyName("ordered")] public bool? Ordered { get; init; }

    /// <summary>True for a customer's message.</summary>
    [JsonIgnore] public bool IsInbound => Direction == "inbound";
}

/// <summary>
/// A message's file. Read it with <see cref="IChatSendClient.GetMediaAsync"/> once <see cref="Url"/> is set; a customer's
/// file is <see cref="Pending"/> until ChatSend has fetched it, and has <see cref="Error"/> when it could not.
/// </summary>
public sealed record MessageMedia(
    [property: JsonPropertyName("url")] string? Url = null,
    [property: JsonPropertyName("mimetype")] string? Mimetype = null,
    [property: JsonPropertyName("filename")] string? Filename = null,
    [property: JsonPropertyName("size")] long? Size = null,
    [property: JsonPropertyName("sha256")] string? Sha256 = null,
    [property: JsonPropertyName("pending")] bool? Pending = null,
    [property: JsonPropertyName("error")] string? Error = null);

/// <summary>A shared location.</summary>
public sealed record MessageLocation(
    [property: JsonPropertyName("latitude")] double Latitude,
    [property: JsonPropertyName("longitude")] double Longitude,
    [property: JsonPropertyName("name")] string? Name = null,
    [property: JsonPropertyName("address")] string? Address = null);

/// <summary>A shared contact: a name and phone numbers.</summary>
public sealed record MessageContact(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("phones")] IReadOnlyList<string> Phones);

/// <summary>An emoji on a message (empty when the reaction was removed), and that message's id.</summary>
public sealed record MessageReaction(
    [property: JsonPropertyName("emoji")] string Emoji,
    [property: JsonPropertyName("messageId")] string MessageId);

/// <summary>A tapped quick-reply button or list row.</summary>
public sealed record MessageButton(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("payload")] string? Payload = null);

/// <summary>One step of a message's <see cref="ChatSendMessage.StatusHistory"/>.</summary>
/// <param name="Status">The status reached.</param>
/// <param name="At">When it was reached.</param>
public sealed record StatusChange(
    [property: JsonPropertyName("status")] MessageStatus Status,
    [property: JsonPropertyName("at")] DateTimeOffset At);

/// <summary>What <see cref="IChatSendClient.SendAsync"/> answers: the accepted message and how to find it again.</summary>
/// <param name="Message">The message as it was accepted (<c>queued</c>, or <c>scheduled</c> with <c>sendAt</c>).</param>
/// <param name="Location">The message's URL (<c>/messages/{id}</c>), absolute.</param>
/// <param name="IdempotencyKey">The <c>Idempotency-Key</c> the send went with: repeat it to repeat this send safely.</param>
/// <param name="Replayed">True when ChatSend answered from an earlier request with the same key (<c>Idempotent-Replayed</c>).</param>
public sealed record AcceptedMessage(ChatSendMessage Message, Uri? Location, string IdempotencyKey, bool Replayed)
{
    /// <summary>The message id.</summary>
    public string Id => Message.Id;

    /// <summary>The status the message was accepted with.</summary>
    public MessageStatus Status => Message.Status;
}
