using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSend.Providers.Callbacks;

namespace ChatSend.Providers.WhatsAppCloud;

// Meta's webhook notification for WhatsApp, as far as ChatSend reads it
// (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components): entries of changes, each with the
// phone number it is for and the statuses of messages that number sent. Lists are read item by item, so one item of
// another shape than documented is skipped without losing the others.

public sealed record CloudNotification([property: JsonPropertyName("entry")] IReadOnlyList<JsonElement>? Entry)
{
    /// <summary>Each change that names its phone number id, with its value.</summary>
    public IEnumerable<(string PhoneNumberId, CloudValue Value)> Changes() =>
        from entry in CallbackJson.ReadEach(Entry, CloudJson.Default.CloudEntry)
        from change in CallbackJson.ReadEach(entry.Changes, CloudJson.Default.CloudChange)
        where change.Value?.Metadata?.PhoneNumberId is { Length: > 0 }
        select (change.Value!.Metadata!.PhoneNumberId!, change.Value);
}

public sealed record CloudEntry([property: JsonPropertyName("changes")] IReadOnlyList<JsonElement>? Changes);

public sealed record CloudChange([property: JsonPropertyName("value")] CloudValue? Value);

public sealed record CloudValue(
    [property: JsonPropertyName("metadata")] CloudMetadata? Metadata,
    [property: JsonPropertyName("statuses")] IReadOnlyList<JsonElement>? Statuses);

public sealed record CloudMetadata([property: JsonPropertyName("phone_number_id")] string? PhoneNumberId);

/// <summary>A message's status: <c>sent</c>, <c>delivered</c>, <c>read</c>, <c>played</c> or <c>failed</c> (with its errors); the time in Unix seconds as a string.</summary>
public sealed record CloudStatus(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("timestamp")] JsonElement Timestamp,
    [property: JsonPropertyName("errors")] IReadOnlyList<JsonElement>? Errors);

/// <summary>An error of a failed status: Meta's code, its title (or message) and <c>error_data.details</c>.</summary>
public sealed record CloudError(
    [property: JsonPropertyName("code")] JsonElement Code,
    [property: JsonPropertyName("title")] JsonElement Title,
    [property: JsonPropertyName("message")] JsonElement Message,
    [property: JsonPropertyName("error_data")] JsonElement ErrorData);

[JsonSerializable(typeof(CloudNotification))]
[JsonSerializable(typeof(CloudEntry))]
[JsonSerializable(typeof(CloudChange))]
[JsonSerializable(typeof(CloudStatus))]
[JsonSerializable(typeof(CloudError))]
internal sealed partial class CloudJson : JsonSerializerContext;
