using System.Text.Json.Serialization;

namespace ChatSend.Client;

/// <summary>
/// A CloudEvent 1.0 ChatSend publishes when a message reaches a status. Receivers dedupe on <see cref="Id"/>
/// (<c>&lt;message id&gt;:&lt;status&gt;</c>, stable across redeliveries).
/// </summary>
public sealed record ChatSendEvent
{
    /// <summary>The event type prefix; the status follows it.</summary>
    public const string TypePrefix = "chatsend.message.";

    /// <summary>The CloudEvents version, <c>1.0</c>.</summary>
    [JsonPropertyName("specversion")] public string SpecVersion { get; init; } = "";

    /// <summary>Unique per event and stable across redeliveries.</summary>
    [JsonPropertyName("id")] public string Id { get; init; } = "";

    /// <summary><c>chatsend.message.&lt;status&gt;</c>, such as <c>chatsend.message.delivered</c>.</summary>
    [JsonPropertyName("type")] public string Type { get; init; } = "";

    /// <summary><c>/sessions/&lt;session id&gt;</c>.</summary>
    [JsonPropertyName("source")] public string Source { get; init; } = "";

    /// <summary>The message id.</summary>
    [JsonPropertyName("subject")] public string? Subject { get; init; }

    /// <summary>When the status was reached.</summary>
    [JsonPropertyName("time")] public DateTimeOffset? Time { get; init; }

    /// <summary>The message as <c>GET /messages/{id}</c> shows it.</summary>
    [JsonPropertyName("data")] public ChatSendMessage? Data { get; init; }

    /// <summary>
    /// On a <c>received</c> event only: the message's place among its chat's received events (<c>000000000001</c>, …,
    /// sorting as text), the same on every redelivery. Webhooks get a chat's received events in this order already.
    /// </summary>
    [JsonPropertyName("chatsequence")] public string? ChatSequence { get; init; }

    /// <summary>The status this event reports, from <see cref="Type"/>.</summary>
    [JsonIgnore]
    public MessageStatus? Status => Type.StartsWith(TypePrefix, StringComparison.Ordinal) ? new MessageStatus(Type[TypePrefix.Length..]) : null;
}
