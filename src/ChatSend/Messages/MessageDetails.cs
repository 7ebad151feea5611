using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend.Messages;

/// <summary>What a received message carries besides text and a file, by its type: stored as JSON on the row, shown as is.</summary>
public sealed record MessageDetails
{
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

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static MessageDetails? FromJson(string? json) => json is { Length: > 0 } ? JsonSerializer.Deserialize<MessageDetails>(json, Options) : null;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

public sealed record LocationDetails(
    [property: JsonPropertyName("latitude")] double Latitude,
    [property: JsonPropertyName("longitude")] double Longitude,
    [property: JsonPropertyName("name")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null,
    [property: JsonPropertyName("address")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Address = null);

public sealed record ContactDetails(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("phones")] IReadOnlyList<string> Phones);

/// <summary>An emoji on a message (<c>""</c> when the reaction was removed): ChatSend's id of it when known, else the provider's.</summary>
public sealed record ReactionDetails(
    [property: JsonPropertyName("emoji")] string Emoji,
    [property: JsonPropertyName("messageId")] string MessageId);

/// <summary>A tapped quick-reply button or list row.</summary>
public sealed record ButtonDetails(
    [property: JsonPropertyName("id")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("payload")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Payload = null);
