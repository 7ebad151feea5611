using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Receipts;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.Evolution;

/// <summary>
/// <c>POST /webhooks/evolution/{session}</c>: the instance's webhook. Trusted by the session's <c>webhookToken</c>,
/// given as <c>?token=</c> in the webhook URL or in the <c>X-Webhook-Token</c> header (Evolution can add headers to
/// its webhook), compared in constant time. <c>messages.update</c> statuses of messages sent from the instance become
/// receipts (SERVER_ACK → sent, DELIVERY_ACK → delivered, READ → read, PLAYED → played, ERROR → failed) on the receipts
/// queue; the answer is 200 once they are queued. Every other event is acknowledged and ignored.
/// </summary>
public sealed partial class EvolutionWebhookHandler(SessionStore sessions, ProviderSecrets secrets, ReceiptQueue receipts,
    ILogger<EvolutionWebhookHandler> logger)
{
    public const string TokenQuery = "token";
    public const string TokenHeader = "X-Webhook-Token";

    public async Task<Results<Ok, ProblemHttpResult>> HandleAsync(HttpRequest request, string session, CancellationToken cancellationToken)
    {
        // A missing session, a session of another provider and a wrong token all answer the same.
        var found = SessionId.IsValid(session) ? await sessions.FindAsync(session, cancellationToken) : null;
        var expected = found is { Provider: EvolutionProvider.ProviderName } ? secrets.Find(found, "webhookToken") : null;
        var given = request.Query[TokenQuery].FirstOrDefault() is { Length: > 0 } q ? q : request.Headers[TokenHeader].FirstOrDefault();
        if (expected is null || given is null
            || !WebhookTrust.SameText(given, expected))
        {
            LogRefused(session);
            return Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook token is not valid.",
                $"Put the session's webhookToken in the webhook URL (?{TokenQuery}=…) or the {TokenHeader} header.");
        }

        if (await RequestBody.ReadAsync(request, WebhookTrust.MaxBodyBytes, cancellationToken) is not { } body)
            return WebhookTrust.TooLarge();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return Problems.Field(StatusCodes.Status400BadRequest, "The webhook body is not JSON.", JsonBody.Field, "is not valid JSON");
        }
        using (document)
        {
            foreach (var receipt in Receipts(document.RootElement))
                await receipts.EnqueueAsync(receipt, cancellationToken: cancellationToken);
        }
        return TypedResults.Ok();
    }

    /// <summary>The receipts in a webhook body: <c>data</c> of a <c>messages.update</c> event, one update or a list of them.</summary>
    public static IEnumerable<Receipt> Receipts(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("event", out var e) || e.ValueKind != JsonValueKind.String
            || e.GetString()!.Replace('_', '.').ToLowerInvariant() != "messages.update" || !body.TryGetProperty("data", out var data))
            yield break;
        var updates = data.ValueKind == JsonValueKind.Array ? data.EnumerateArray().ToList() : [data];
        foreach (var update in updates)
        {
            if (update.ValueKind != JsonValueKind.Object
                || Text(update, "keyId") is not { Length: > 0 } keyId
                || (update.TryGetProperty("fromMe", out var fromMe) && fromMe.ValueKind == JsonValueKind.False))
                continue;
            MessageStatus? status = Text(update, "status") switch
            {
                "SERVER_ACK" => MessageStatus.Sent,
                "DELIVERY_ACK" => MessageStatus.Delivered,
                "READ" => MessageStatus.Read,
                "PLAYED" => MessageStatus.Played,
                "ERROR" => MessageStatus.Failed,
                _ => null, // PENDING, DELETED: nothing to report
            };
            if (status is { } s)
                yield return new Receipt(null, s, ProviderMessageId: keyId, Provider: EvolutionProvider.ProviderName,
                    Reason: s == MessageStatus.Failed ? "Evolution API reported the message as ERROR (WhatsApp did not accept it)" : null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [LoggerMessage(LogLevel.Warning, "Evolution webhook for session {Session} refused: bad or missing token")]
    private partial void LogRefused(string session);
}
