using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Receipts;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>
/// Meta's webhooks for <c>whatsapp-cloud</c>. <c>GET</c> is the subscription handshake: <c>hub.challenge</c> is echoed
/// when <c>hub.verify_token</c> equals the <c>verifyToken</c> secret of any session on this provider. <c>POST</c> carries
/// statuses: the body's signature (<c>X-Hub-Signature-256</c>, HMAC-SHA256 of the raw bytes with the app secret of the
/// session whose <c>phoneNumberId</c> the body names) is checked before anything is read from it, then each status is
/// put on the receipts queue and the request answered <c>200</c>; the receipt handler applies them, idempotently.
/// </summary>
public sealed partial class WhatsAppCloudWebhook(WhatsAppCloudSessions sessions, ProviderSecrets secrets, ReceiptQueue receipts,
    ILogger<WhatsAppCloudWebhook> logger)
{
    /// <summary>Larger than any status batch Meta sends; a bigger body is not read.</summary>
    private const string SignatureHeader = "X-Hub-Signature-256";

    public async Task<IResult> VerifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var token = query["hub.verify_token"].ToString();
        var challenge = query["hub.challenge"].ToString();
        if (query["hub.mode"] == "subscribe" && token.Length > 0 && challenge.Length > 0)
        {
            var matched = false;
            foreach (var session in await sessions.AllAsync(cancellationToken))
                matched |= secrets.Find(session, "verifyToken") is { } expected && WebhookTrust.SameText(expected, token);
            if (matched)
                return Results.Text(challenge, "text/plain", Encoding.UTF8, StatusCodes.Status200OK);
        }
        LogRefused("verification with a wrong or missing verify token");
        return Problems.Problem(StatusCodes.Status403Forbidden, "The verification request is refused.",
            "hub.mode must be 'subscribe' and hub.verify_token must equal the verifyToken secret of a whatsapp-cloud session.");
    }

    public async Task<IResult> ReceiveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var signature = request.Headers[SignatureHeader].ToString();
        if (!signature.StartsWith("sha256=", StringComparison.Ordinal))
            return Refuse("no X-Hub-Signature-256 header");
        var body = await RequestBody.ReadAsync(request, WebhookTrust.MaxBodyBytes, cancellationToken);
        if (body is null)
            return Refuse("the body is too large");

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return Refuse("the body is not JSON");
        }
        var changes = Changes(root).ToList();
        var phoneNumberIds = changes.Select(c => c.PhoneNumberId).OfType<string>().Distinct().ToList();
        if (phoneNumberIds.Count == 0)
            return Refuse("the body names no phone_number_id");
        foreach (var phoneNumberId in phoneNumberIds)
        {
            var session = await sessions.FindByPhoneNumberIdAsync(phoneNumberId, cancellationToken);
            var secret = session is null ? null : secrets.Find(session, "appSecret");
            if (secret is null || !SignatureMatches(body, secret, signature))
                return Refuse(session is null ? "no whatsapp-cloud session has this phone_number_id"
                    : secret is null ? "the session's appSecret is not configured" : "the signature does not match");
        }

        var queued = 0;
        foreach (var status in changes.Where(c => c.PhoneNumberId is not null).SelectMany(c => c.Statuses))
        {
            if (ToReceipt(status) is not { } receipt)
                continue;
            await receipts.EnqueueAsync(receipt, cancellationToken: cancellationToken);
            queued++;
        }
        LogQueued(queued);
        return Results.Ok();
    }

    private IResult Refuse(string why)
    {
        LogRefused(why);
        return Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook signature is not valid.",
            "X-Hub-Signature-256 must be sha256=<hex HMAC-SHA256 of the raw body with the app secret of the session the body names>.");
    }

    public static bool SignatureMatches(byte[] body, string appSecret, string header)
    {
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body);
        byte[] given;
        try
        {
            given = Convert.FromHexString(header["sha256=".Length..]);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private sealed record Change(string? PhoneNumberId, IReadOnlyList<JsonElement> Statuses);

    private static IEnumerable<Change> Changes(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
            yield break;
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Array)
                continue;
            foreach (var change in changes.EnumerateArray())
            {
                if (change.ValueKind != JsonValueKind.Object || !change.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object)
                    continue;
                var phone = value.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                            && metadata.TryGetProperty("phone_number_id", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                var statuses = value.TryGetProperty("statuses", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [];
                yield return new Change(phone, statuses);
            }
        }
    }

    /// <summary>One status of the webhook as a receipt, or null for a status ChatSend does not track.</summary>
    public static Receipt? ToReceipt(JsonElement status)
    {
        if (status.ValueKind != JsonValueKind.Object || Str(status, "id") is not { Length: > 0 } id)
            return null;
        MessageStatus? mapped = Str(status, "status") switch
        {
            "sent" => MessageStatus.Sent,
            "delivered" => MessageStatus.Delivered,
            "read" => MessageStatus.Read,
            "played" => MessageStatus.Played,
            "failed" => MessageStatus.Failed,
            _ => null,
        };
        if (mapped is not { } s)
            return null;
        DateTimeOffset? at = long.TryParse(Str(status, "timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds is > 0 and < 253402300800 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        return new Receipt(null, s, at, ProviderMessageId: id, Reason: s == MessageStatus.Failed ? FailureReason(status) : null,
            Provider: WhatsAppCloudProvider.ProviderName);
    }

    private static string FailureReason(JsonElement status)
    {
        if (!status.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0
            || errors[0].ValueKind != JsonValueKind.Object)
            return "WhatsApp reported the message failed";
        var error = errors[0];
        var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : (int?)null;
        var details = error.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object ? Str(data, "details") : null;
        var text = string.Join(": ", new[] { Str(error, "title") ?? Str(error, "message"), details }.Where(t => !string.IsNullOrWhiteSpace(t)));
        return $"WhatsApp reported the message failed{(code is null ? "" : $" (error {code})")}{(text.Length > 0 ? ": " + text : "")}";
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [LoggerMessage(LogLevel.Warning, "WhatsApp Cloud webhook refused: {Why}")]
    private partial void LogRefused(string why);

    [LoggerMessage(LogLevel.Information, "WhatsApp Cloud webhook: {Count} statuses queued")]
    private partial void LogQueued(int count);
}
