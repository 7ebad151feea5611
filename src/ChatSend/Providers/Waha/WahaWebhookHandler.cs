using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Receipts;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.Waha;

/// <summary>
/// <c>POST /webhooks/waha/{session}</c>: WAHA's events for one session. Trusted by <c>X-Webhook-Hmac</c>, the hex
/// HMAC-SHA512 of the raw body with the session's <c>webhookHmacKey</c> (<c>X-Webhook-Hmac-Algorithm: sha512</c>),
/// compared in constant time; anything else is 401 and changes nothing. <c>message.ack</c> events for messages the
/// session sent become receipts on the receipts queue (applied later, idempotently); other events are acknowledged
/// and ignored.
/// </summary>
public sealed partial class WahaWebhookHandler(SessionStore sessions, ProviderSecrets secrets, ReceiptQueue receipts,
    ILogger<WahaWebhookHandler> logger)
{
    public const string SignatureHeader = "X-Webhook-Hmac";
    public const string AlgorithmHeader = "X-Webhook-Hmac-Algorithm";

    public async Task<IResult> HandleAsync(HttpRequest request, string session, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(request, WebhookTrust.MaxBodyBytes, cancellationToken);
        if (body is null)
            return WebhookTrust.TooLarge();
        var found = SessionId.IsValid(session) ? await sessions.FindAsync(session, cancellationToken) : null;
        var key = found is { Provider: WahaProvider.ProviderName } ? secrets.Find(found, "webhookHmacKey") : null;
        if (key is null || !Verified(body, key, request.Headers[AlgorithmHeader].ToString(), request.Headers[SignatureHeader].ToString()))
        {
            LogRefused(found is null ? "no such WAHA session" : key is null ? "no webhookHmacKey configured" : "bad or missing signature");
            return Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook signature is not valid.",
                $"Sign the raw body with the session's webhookHmacKey: {SignatureHeader} (hex HMAC-SHA512) and {AlgorithmHeader}: sha512.");
        }
        if (Ack(body) is { } receipt)
        {
            await receipts.EnqueueAsync(receipt, cancellationToken: cancellationToken);
            LogQueued(receipt.Status.ToWire());
        }
        return TypedResults.Ok();
    }

    public static bool Verified(byte[] body, string key, string algorithm, string signature)
    {
        if (!string.Equals(algorithm, "sha512", StringComparison.OrdinalIgnoreCase) || signature.Length != 128)
            return false;
        byte[] given;
        try
        {
            given = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(HMACSHA512.HashData(Encoding.UTF8.GetBytes(key), body), given);
    }

    /// <summary>
    /// A <c>message.ack</c> for a message this session sent, as a receipt: WAHA's ack levels 1 SERVER → sent,
    /// 2 DEVICE → delivered, 3 READ → read, 4 PLAYED → played, -1 ERROR → failed. PENDING (0), acks of received
    /// messages and every other event: nothing.
    /// </summary>
    public static Receipt? Ack(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String
                || kind.GetString() != "message.ack" || !root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
                return null;
            if (payload.TryGetProperty("fromMe", out var fromMe) && fromMe.ValueKind == JsonValueKind.False)
                return null;
            if (!payload.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String || idElement.GetString() is not { Length: > 0 } id
                || !payload.TryGetProperty("ack", out var ackElement) || !ackElement.TryGetInt32(out var ack))
                return null;
            var ackName = payload.TryGetProperty("ackName", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
            MessageStatus? status = ack switch
            {
                1 => MessageStatus.Sent,
                2 => MessageStatus.Delivered,
                3 => MessageStatus.Read,
                4 => MessageStatus.Played,
                -1 => MessageStatus.Failed,
                _ => null,
            };
            if (status is null)
                return null;
            var reason = status == MessageStatus.Failed ? $"WAHA reported an error delivering the message (ack -1, {ackName ?? "ERROR"})" : null;
            return new Receipt(Id: null, status.Value, ProviderMessageId: id, Reason: reason, Provider: WahaProvider.ProviderName);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "WAHA webhook refused: {Reason}")]
    private partial void LogRefused(string reason);

    [LoggerMessage(LogLevel.Debug, "WAHA webhook: {Status} receipt queued")]
    private partial void LogQueued(string status);
}
