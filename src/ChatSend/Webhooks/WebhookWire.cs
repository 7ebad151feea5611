using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend.Webhooks;

/// <summary>The body of <c>POST /sessions/{session}/webhooks</c> and of <c>PATCH …/webhooks/{id}</c>; every field optional on the wire so each can be named.</summary>
public sealed record WebhookRequest
{
    [JsonPropertyName("url")] public string? Url { get; init; }

    /// <summary>Event type names; absent or empty means every type. Read as JSON so a bad entry is named <c>events[i]</c>.</summary>
    [JsonPropertyName("events")] public JsonElement? Events { get; init; }

    /// <summary>PATCH only.</summary>
    [JsonPropertyName("enabled")] public bool? Enabled { get; init; }
}

/// <summary>What a valid request asks for; null leaves a field as it is.</summary>
public sealed record WebhookChanges(Uri? Url, IReadOnlyList<string>? Events, bool? Enabled);

/// <summary>A webhook as its owner sees it: never a secret.</summary>
public sealed record WebhookView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("events")] IReadOnlyList<string> Events,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("disabledReason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DisabledReason,
    [property: JsonPropertyName("lastDeliveries")] IReadOnlyList<WebhookDeliveryView> LastDeliveries)
{
    public static WebhookView From(WebhookEntity row, IReadOnlyList<WebhookAttempt> attempts) =>
        new(row.RowKey, row.Url, row.EventList, row.Enabled, row.DisabledReason, [.. attempts.Select(WebhookDeliveryView.From)]);
}

public sealed record WebhookDeliveryView(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("status")] int? Status,
    [property: JsonPropertyName("latencyMs")] long LatencyMs,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error)
{
    public static WebhookDeliveryView From(WebhookAttempt attempt) => new(attempt.At, attempt.Status, attempt.LatencyMs, attempt.Error);
}

public sealed record WebhookList([property: JsonPropertyName("items")] IReadOnlyList<WebhookView> Items);

/// <summary>The answer to create: the only time, with rotation, that the secret is shown.</summary>
public sealed record CreatedWebhookView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("events")] IReadOnlyList<string> Events,
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("enabled")] bool Enabled)
{
    public static CreatedWebhookView From(WebhookEntity row, string secret) => new(row.RowKey, row.Url, row.EventList, secret, row.Enabled);
}

public sealed record RotatedWebhookView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("secret")] string Secret);
