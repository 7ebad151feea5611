using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Providers.Evolution;

/// <summary>
/// <c>POST /webhooks/evolution/{session}</c>: the instance's webhook (https://doc.evolution-api.com/v2/en/configuration/webhooks).
/// Verified by the session's <c>webhookToken</c>, given as <c>?token=</c> in the webhook URL or in the
/// <c>X-Webhook-Token</c> header (Evolution can add headers to its webhook). <c>messages.update</c> statuses of messages
/// sent from the instance are reported (SERVER_ACK → sent, DELIVERY_ACK → delivered, READ → read, PLAYED → played,
/// ERROR → failed); every other event is acknowledged and reports nothing. A body that is not JSON is 400.
/// </summary>
public sealed class EvolutionCallback(SessionStore sessions) : RouteSessionCallback(sessions)
{
    public const string TokenQuery = "token";
    public const string TokenHeader = "X-Webhook-Token";

    public override string Provider => EvolutionProvider.ProviderName;

    public override string SecretKey => EvolutionSettings.WebhookToken;

    public override CallbackAnswers Answers { get; } = new(
        Problems.Problem(StatusCodes.Status401Unauthorized, "The webhook token is not valid.",
            $"Put the session's webhookToken in the webhook URL (?{TokenQuery}=…) or the {TokenHeader} header."),
        CallbackProblems.TooLarge(),
        CallbackProblems.NotJson());

    public override bool Verify(CallbackRequest request, string secret) =>
        (request.Http.Query[TokenQuery].FirstOrDefault() is { Length: > 0 } query ? query : request.Http.Headers[TokenHeader].FirstOrDefault())
        is { } given && CallbackSignatures.SameText(given, secret);

    /// <summary>The statuses in a <c>messages.update</c> event: its <c>data</c> is one update or a list of them.</summary>
    public override IReadOnlyList<CallbackReport> Parse(CallbackRequest request, JsonElement body)
    {
        if (CallbackJson.Read(body, EvolutionJson.Default.EvolutionEvent) is not { } envelope
            || envelope.Event?.Replace('_', '.').ToLowerInvariant() != "messages.update")
            return [];
        var updates = envelope.Data.ValueKind switch
        {
            JsonValueKind.Array => envelope.Data.EnumerateArray().ToList(),
            JsonValueKind.Object => [envelope.Data],
            _ => [],
        };
        var reports = new List<CallbackReport>();
        foreach (var element in updates)
        {
            if (CallbackJson.Read(element, EvolutionJson.Default.EvolutionMessageUpdate) is not { KeyId: { Length: > 0 } keyId } update
                || update.FromMe.ValueKind == JsonValueKind.False)
                continue;
            MessageStatus? status = update.Status switch
            {
                "SERVER_ACK" => MessageStatus.Sent,
                "DELIVERY_ACK" => MessageStatus.Delivered,
                "READ" => MessageStatus.Read,
                "PLAYED" => MessageStatus.Played,
                "ERROR" => MessageStatus.Failed,
                _ => null, // PENDING, DELETED: nothing to report
            };
            if (status is { } reached)
                reports.Add(new StatusReport(request.RouteSession!, keyId, reached,
                    Reason: reached == MessageStatus.Failed ? "Evolution API reported the message as ERROR (WhatsApp did not accept it)" : null));
        }
        return reports;
    }
}

/// <summary>Evolution's webhook envelope, as far as ChatSend reads it: the event name (<c>messages.update</c> or <c>MESSAGES_UPDATE</c>) and its data.</summary>
public sealed record EvolutionEvent(
    [property: JsonPropertyName("event")] string? Event,
    [property: JsonPropertyName("data")] JsonElement Data);

/// <summary>
/// One <c>messages.update</c> entry: the WhatsApp key id of the message, whether the instance sent it (only JSON false
/// says it did not), and its status.
/// </summary>
public sealed record EvolutionMessageUpdate(
    [property: JsonPropertyName("keyId")] string? KeyId,
    [property: JsonPropertyName("fromMe")] JsonElement FromMe,
    [property: JsonPropertyName("status")] string? Status);

[JsonSerializable(typeof(EvolutionEvent))]
[JsonSerializable(typeof(EvolutionMessageUpdate))]
internal sealed partial class EvolutionJson : JsonSerializerContext;
