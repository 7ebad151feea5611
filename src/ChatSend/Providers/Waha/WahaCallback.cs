using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Providers.Waha;

/// <summary>
/// <c>POST /webhooks/waha/{session}</c>: WAHA's events for one session (https://waha.devlike.pro/docs/how-to/webhooks/).
/// Verified by <c>X-Webhook-Hmac</c>, the hex HMAC-SHA512 of the raw body with the session's <c>webhookHmacKey</c>
/// (<c>X-Webhook-Hmac-Algorithm: sha512</c>). A <c>message.ack</c> of a message the session sent reports its status;
/// every other event, and a body that is not JSON, is acknowledged and reports nothing.
/// </summary>
public sealed class WahaCallback(SessionStore sessions) : RouteSessionCallback(sessions)
{
    public const string SignatureHeader = "X-Webhook-Hmac";
    public const string AlgorithmHeader = "X-Webhook-Hmac-Algorithm";

    public override string Provider => WahaProvider.ProviderName;

    public override string SecretKey => WahaSettings.WebhookHmacKey;

    public override CallbackAnswers Answers { get; } = new(
        Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook signature is not valid.",
            $"Sign the raw body with the session's webhookHmacKey: {SignatureHeader} (hex HMAC-SHA512) and {AlgorithmHeader}: sha512."),
        CallbackProblems.TooLarge(),
        TypedResults.Ok());

    public override bool Verify(CallbackRequest request, string secret) =>
        string.Equals(request.Http.Headers[AlgorithmHeader].ToString(), "sha512", StringComparison.OrdinalIgnoreCase)
        && CallbackSignatures.HexHmacMatches(HashAlgorithmName.SHA512, secret, request.Body, request.Http.Headers[SignatureHeader].ToString());

    public override IReadOnlyList<CallbackReport> Parse(CallbackRequest request, JsonElement body) =>
        CallbackJson.Read(body, WahaJson.Default.WahaEvent) is { } envelope ? Reports(envelope, request.RouteSession!).ToList() : [];

    /// <summary>
    /// A <c>message.ack</c> for a message this session sent, as a status: WAHA's ack levels 1 SERVER → sent, 2 DEVICE →
    /// delivered, 3 READ → read, 4 PLAYED → played, -1 ERROR → failed. PENDING (0), acks of received messages and every
    /// other event: nothing.
    /// </summary>
    private static IEnumerable<CallbackReport> Reports(WahaEvent body, string session)
    {
        if (body.Event != "message.ack" || body.Payload.ValueKind != JsonValueKind.Object
            || CallbackJson.Read(body.Payload, WahaJson.Default.WahaAck) is not { Id: { Length: > 0 } id, Ack: { } ack } payload
            || payload.FromMe.ValueKind == JsonValueKind.False)
            yield break;
        MessageStatus? status = ack switch
        {
            1 => MessageStatus.Sent,
            2 => MessageStatus.Delivered,
            3 => MessageStatus.Read,
            4 => MessageStatus.Played,
            -1 => MessageStatus.Failed,
            _ => null,
        };
        if (status is { } reached)
            yield return new StatusReport(session, id, reached,
                Reason: reached == MessageStatus.Failed ? $"WAHA reported an error delivering the message (ack -1, {CallbackJson.Text(payload.AckName) ?? "ERROR"})" : null);
    }
}

/// <summary>
/// WAHA's event envelope (https://waha.devlike.pro/docs/how-to/events/), as far as ChatSend reads it: the payload's shape
/// depends on the event. Fields only shown (<c>ackName</c>) or only tested for JSON false (<c>fromMe</c>) are kept as they
/// come, so another shape of them does not lose the status.
/// </summary>
public sealed record WahaEvent(
    [property: JsonPropertyName("event")] string? Event,
    [property: JsonPropertyName("payload")] JsonElement Payload);

/// <summary>The payload of <c>message.ack</c>: the message's id (<c>true_&lt;chat&gt;_&lt;id&gt;</c>), whose it is, and the ack level.</summary>
public sealed record WahaAck(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("fromMe")] JsonElement FromMe,
    [property: JsonPropertyName("ack")] int? Ack,
    [property: JsonPropertyName("ackName")] JsonElement AckName);

[JsonSerializable(typeof(WahaEvent))]
[JsonSerializable(typeof(WahaAck))]
internal sealed partial class WahaJson : JsonSerializerContext;
