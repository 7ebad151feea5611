using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>
/// Meta's callbacks for <c>whatsapp-cloud</c> (https://developers.facebook.com/docs/graph-api/webhooks/getting-started,
/// https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components). <c>GET</c> is the subscription handshake:
/// <c>hub.challenge</c> is echoed when <c>hub.verify_token</c> equals the <c>verifyToken</c> secret of any session on this
/// provider. <c>POST</c> names its sessions by each change's <c>metadata.phone_number_id</c> and is verified by
/// <c>X-Hub-Signature-256</c> (HMAC-SHA256 of the raw body with the app secret of a session of each number it names); its
/// <c>statuses</c> are reported. Every refusal, an oversized body included, is 401.
/// </summary>
public sealed partial class WhatsAppCloudCallback(WhatsAppCloudSessions sessions, ProviderSecrets secrets, ILogger<WhatsAppCloudCallback> logger)
    : IProviderCallback
{
    public const string SignatureHeader = "X-Hub-Signature-256";
    private const string SignaturePrefix = "sha256=";

    private static readonly IResult Refused = Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook signature is not valid.",
        "X-Hub-Signature-256 must be sha256=<hex HMAC-SHA256 of the raw body with the app secret of the session the body names>.");

    public string Provider => WhatsAppCloudProvider.ProviderName;

    public string SecretKey => WhatsAppCloudSettings.AppSecret;

    public CallbackAnswers Answers { get; } = new(Refused, Refused, Refused);

    public async Task<IResult> HandshakeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var token = query["hub.verify_token"].ToString();
        var challenge = query["hub.challenge"].ToString();
        if (query["hub.mode"] == "subscribe" && token.Length > 0 && challenge.Length > 0)
        {
            var matched = false;
            foreach (var session in await sessions.AllAsync(cancellationToken))
                matched |= secrets.Find(session, WhatsAppCloudSettings.VerifyToken) is { } expected && CallbackSignatures.SameText(expected, token);
            if (matched)
                return Results.Text(challenge, "text/plain", Encoding.UTF8, StatusCodes.Status200OK);
        }
        LogHandshakeRefused();
        return Problems.Problem(StatusCodes.Status403Forbidden, "The verification request is refused.",
            "hub.mode must be 'subscribe' and hub.verify_token must equal the verifyToken secret of a whatsapp-cloud session.");
    }

    public IReadOnlyList<string> SessionNames(CallbackRequest request) =>
        CallbackJson.Read(request.Body, CloudJson.Default.CloudNotification) is { } notification
            ? notification.Changes().Select(c => c.PhoneNumberId).Distinct().ToList()
            : [];

    public Task<IReadOnlyList<Session>> FindSessionsAsync(string name, CancellationToken cancellationToken) =>
        sessions.FindByPhoneNumberIdAsync(name, cancellationToken);

    public bool Verify(CallbackRequest request, string secret) =>
        request.Http.Headers[SignatureHeader].ToString() is var header && header.StartsWith(SignaturePrefix, StringComparison.Ordinal)
        && CallbackSignatures.HexHmacMatches(HashAlgorithmName.SHA256, secret, request.Body, header[SignaturePrefix.Length..]);

    public IReadOnlyList<CallbackReport> Parse(CallbackRequest request, JsonElement body) =>
        CallbackJson.Read(body, CloudJson.Default.CloudNotification) is { } notification
            ? (from change in notification.Changes()
               from status in CallbackJson.ReadEach(change.Value.Statuses, CloudJson.Default.CloudStatus)
               select ToReport(change.PhoneNumberId, status)).OfType<CallbackReport>().ToList()
            : [];

    /// <summary>One status as a report, or null for a status ChatSend does not track.</summary>
    private static StatusReport? ToReport(string phoneNumberId, CloudStatus status)
    {
        if (status.Id is not { Length: > 0 } id)
            return null;
        MessageStatus? mapped = status.Status switch
        {
            "sent" => MessageStatus.Sent,
            "delivered" => MessageStatus.Delivered,
            "read" => MessageStatus.Read,
            "played" => MessageStatus.Played,
            "failed" => MessageStatus.Failed,
            _ => null,
        };
        if (mapped is not { } reached)
            return null;
        DateTimeOffset? at = long.TryParse(CallbackJson.Text(status.Timestamp), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds is > 0 and < 253402300800 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        return new StatusReport(phoneNumberId, id, reached, at, reached == MessageStatus.Failed ? FailureReason(status) : null);
    }

    private static string FailureReason(CloudStatus status)
    {
        if (CallbackJson.ReadEach(status.Errors, CloudJson.Default.CloudError).FirstOrDefault() is not { } error)
            return "WhatsApp reported the message failed";
        int? code = error.Code.ValueKind == JsonValueKind.Number && error.Code.TryGetInt32(out var number) ? number : null;
        var details = error.ErrorData.ValueKind == JsonValueKind.Object && error.ErrorData.TryGetProperty("details", out var d) ? CallbackJson.Text(d) : null;
        var text = string.Join(": ", new[] { CallbackJson.Text(error.Title) ?? CallbackJson.Text(error.Message), details }.Where(t => !string.IsNullOrWhiteSpace(t)));
        return $"WhatsApp reported the message failed{(code is { } c ? $" (error {c})" : "")}{(text.Length > 0 ? ": " + text : "")}";
    }

    [LoggerMessage(LogLevel.Warning, "WhatsApp Cloud subscription handshake refused: a wrong or missing verify token")]
    private partial void LogHandshakeRefused();
}
