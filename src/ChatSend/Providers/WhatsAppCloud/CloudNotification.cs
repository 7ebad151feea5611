using System.Text.Json.Serialization;

namespace ChatSend.Providers.WhatsAppCloud;

// Meta's webhook notification for WhatsApp, as far as ChatSend reads it
// (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components): entries of changes, each with the
// phone number it is for and the statuses of messages that number sent.

public sealed record CloudNotification(
    [property: JsonPropertyName("object")] string? Object,
    [property: JsonPropertyName("entry")] IReadOnlyList<CloudEntry>? Entry);

public sealed record CloudEntry(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("changes")] IReadOnlyList<CloudChange>? Changes);

public sealed record CloudChange(
    [property: JsonPropertyName("field")] string? Field,
    [property: JsonPropertyName("value")] CloudValue? Value);

public sealed record CloudValue(
    [property: JsonPropertyName("metadata")] CloudMetadata? Metadata,
    [property: JsonPropertyName("statuses")] IReadOnlyList<CloudStatus>? Statuses);

public sealed record CloudMetadata(
    [property: JsonPropertyName("display_phone_number")] string? DisplayPhoneNumber,
    [property: JsonPropertyName("phone_number_id")] string? PhoneNumberId);

/// <summary>A message's status: <c>sent</c>, <c>delivered</c>, <c>read</c>, <c>played</c> or <c>failed</c> (with its errors); the time in Unix seconds as a string.</summary>
public sealed record CloudStatus(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("timestamp")] string? Timestamp,
    [property: JsonPropertyName("recipient_id")] string? RecipientId,
    [property: JsonPropertyName("errors")] IReadOnlyList<CloudError>? Errors);

public sealed record CloudError(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("error_data")] CloudErrorData? ErrorData);

public sealed record CloudErrorData([property: JsonPropertyName("details")] string? Details);

[JsonSerializable(typeof(CloudNotification))]
internal sealed partial class CloudJson : JsonSerializerContext;
