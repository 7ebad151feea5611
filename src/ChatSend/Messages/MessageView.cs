using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChatSend.Send;

namespace ChatSend.Messages;

/// <summary>
/// The wire shape of a message, per the public contract, in either direction: a customer's message has <c>fromMe: false</c>,
/// <c>direction: inbound</c>, <c>chat</c> and <c>sender</c> the customer (in a group, <c>chat</c> the group), and <c>to</c>
/// and <c>recipient</c> the session's number. GET adds the history and failure reason.
/// </summary>
public sealed record MessageView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("type")] MessageType Type,
    [property: JsonPropertyName("timestamp")] string Timestamp,
    [property: JsonPropertyName("status")] MessageStatus Status,
    [property: JsonPropertyName("fromMe")] bool FromMe,
    [property: JsonPropertyName("sender")] string Sender,
    [property: JsonPropertyName("recipient")] string Recipient)
{
    [JsonPropertyName("statusHistory")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<StatusChangeView>? StatusHistory { get; init; }

    [JsonPropertyName("sendAt")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SendAt { get; init; }

    /// <summary>For a message pacing holds back: when it is expected to go.</summary>
    [JsonPropertyName("expectedAt")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ExpectedAt { get; init; }

    [JsonPropertyName("failureReason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FailureReason { get; init; }

    [JsonPropertyName("direction")]
    public MessageDirection Direction { get; init; }

    /// <summary>The other side of the conversation: the recipient of a sent message; the customer, or the group, of a received one.</summary>
    [JsonPropertyName("chat")]
    public string Chat { get; init; } = "";

    [JsonPropertyName("providerMessageId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProviderMessageId { get; init; }

    /// <summary>The message this one quotes: ChatSend's id when it knows it, else <c>{"providerMessageId": "…"}</c>.</summary>
    [JsonPropertyName("replyTo")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? ReplyTo { get; init; }

    [JsonPropertyName("location")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LocationDetails? Location { get; init; }

    [JsonPropertyName("contacts")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ContactDetails>? Contacts { get; init; }

    [JsonPropertyName("reaction")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReactionDetails? Reaction { get; init; }

    [JsonPropertyName("button")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ButtonDetails? Button { get; init; }

    /// <summary>
    /// The message's file: where to fetch it and what it is; for a customer's file still being fetched,
    /// <c>{"pending": true}</c>; for one that could not be, <c>{"error": "…"}</c>. Absent on messages without a file.
    /// </summary>
    [JsonPropertyName("media")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MediaView? Media { get; init; }

    /// <summary>True on a free-form message sent as its <c>fallbackTemplate</c> because the chat's 24-hour window was closed; absent otherwise.</summary>
    [JsonPropertyName("fallback")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Fallback { get; init; }

    /// <summary>False on a message sent with <c>"ordered": false</c> (it waits for no earlier message to its chat); absent otherwise.</summary>
    [JsonPropertyName("ordered")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Ordered { get; init; }

    public static MessageView From(MessageEntity m, bool withHistory = false)
    {
        var details = MessageDetails.FromJson(m.Details);
        return new(m.Id, m.To, m.Content, m.MessageType, FormatTime(m.AcceptedAt), m.CurrentStatus, FromMe: !m.IsInbound, m.Sender, m.Recipient)
        {
            Direction = m.IsInbound ? MessageDirection.Inbound : MessageDirection.Outbound,
            Chat = m.ChatOrRecipient,
            ProviderMessageId = m.ProviderMessageId,
            ReplyTo = m.ReplyTo is { } replyTo ? JsonValue.Create(replyTo)
                : m.ReplyToProviderId is { } providerId ? new JsonObject { ["providerMessageId"] = providerId }
                : null,
            Location = details?.Location,
            Contacts = details?.Contacts,
            Reaction = details?.Reaction,
            Button = details?.Button,
            Media = MediaView.From(m),
            Fallback = m.Fallback ? true : null,
            Ordered = m.Unordered ? false : null,
            StatusHistory = withHistory ? m.GetHistory().Select(h => new StatusChangeView(h.Status, FormatTime(h.At))).ToList() : null,
            FailureReason = withHistory ? m.FailureReason : null,
            SendAt = m.SendAt is { } sendAt ? FormatTime(sendAt) : null,
            ExpectedAt = withHistory && m.ExpectedAt is { } expected && m.CurrentStatus is MessageStatus.Queued or MessageStatus.Scheduled
                ? FormatTime(expected) : null,
        };
    }

    /// <summary>The answer <c>POST /send</c> gave: the message as it was accepted, whatever happened since.</summary>
    public static MessageView Accepted(MessageEntity m) => From(m) with { Status = m.GetHistory()[0].Status };

    /// <summary>ISO 8601 UTC with milliseconds, as in the contract's example: <c>2026-04-15T10:00:00.000Z</c>.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

public sealed record StatusChangeView(
    [property: JsonPropertyName("status")] MessageStatus Status,
    [property: JsonPropertyName("at")] string At);

/// <summary>
/// A message's file, in one of three states: staged (<see cref="Url"/> and what the file is), still being fetched
/// (<see cref="Pending"/>: a customer's file, between the message being recorded and the file settled), or given up on
/// (<see cref="Error"/>: a customer's file that could not be fetched, was too large, or of a type the rules refuse).
/// </summary>
public sealed record MediaView
{
    /// <summary>Where the file is served, for the same API keys as the message: <c>/messages/{id}/media</c>.</summary>
    [JsonPropertyName("url")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Url { get; init; }

    [JsonPropertyName("mimetype")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MimeType { get; init; }

    [JsonPropertyName("filename")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FileName { get; init; }

    /// <summary>The file's length in bytes.</summary>
    [JsonPropertyName("size")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Size { get; init; }

    /// <summary>The SHA-256 of the file's bytes, lowercase hex.</summary>
    [JsonPropertyName("sha256")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }

    /// <summary>Why a customer's file is not there, in words for people.</summary>
    [JsonPropertyName("error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>True while a customer's file is being fetched; the message's <c>received</c> event waits for it.</summary>
    [JsonPropertyName("pending")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Pending { get; init; }

    /// <summary>The route that serves a message's file.</summary>
    public static string UrlOf(string messageId) => $"/messages/{messageId}/media";

    public static MediaView? From(MessageEntity m) =>
        m.MediaPending ? new MediaView { Pending = true }
        : m.MediaError is { } error ? new MediaView { Error = error }
        : m.MediaBlob is not null ? new MediaView { Url = UrlOf(m.Id), MimeType = m.MimeType, FileName = m.FileName, Size = m.MediaLength, Sha256 = m.MediaSha256 }
        : null;
}
