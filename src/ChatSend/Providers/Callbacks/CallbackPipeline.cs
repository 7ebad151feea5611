using System.Text.Json;
using ChatSend.Http;
using ChatSend.Messages;
using ChatSend.Receipts;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.Callbacks;

/// <summary>
/// Every provider callback takes the same steps, once each and in this order: the body is read up to
/// <see cref="MaxBodyBytes"/>; the sessions it names are found (and must be on the provider); each session's secret is
/// looked up and the request verified with it in constant time; only then is the body parsed as JSON, read by the
/// provider's own typed parser, and what it reports applied here. A callback may change only messages of the sessions that verified it:
/// each status goes on the receipts queue with its session (<see cref="ReceiptHandler"/> finds only that session's
/// messages), and each customer's message is recorded in that session. The answer is 200 once every report is queued or
/// recorded, so a storage failure before that answers 503 and the provider sends it again (applying is idempotent: a
/// message recorded before is not recorded twice).
/// </summary>
public sealed partial class CallbackPipeline(ProviderSecrets secrets, ReceiptQueue receipts, Inbound.InboundRecorder inbound,
    ILogger<CallbackPipeline> logger)
{
    /// <summary>A provider's callback is small; this is far above any of them, and bounds what is held in memory.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public async Task<IResult> HandleAsync(IProviderCallback callback, HttpRequest http, string? routeSession, CancellationToken cancellationToken)
    {
        if (await RequestBody.ReadAsync(http, MaxBodyBytes, cancellationToken) is not { } body)
            return Refuse(callback, callback.Answers.TooLarge, routeSession, "the body is too large");
        var request = new CallbackRequest(http, routeSession, body);

        var (sessions, refusal) = await VerifyAsync(callback, request, cancellationToken);
        if (refusal is not null)
            return refusal;

        IReadOnlyList<CallbackReport> reports;
        try
        {
            using var json = JsonDocument.Parse(body);
            reports = callback.Parse(request, json.RootElement);
        }
        catch (JsonException)
        {
            return callback.Answers.NotJson;
        }
        foreach (var report in reports)
            foreach (var session in sessions.GetValueOrDefault(report.SessionName) ?? [])
                await ApplyAsync(callback, session, report, cancellationToken);
        LogAccepted(callback.Provider, reports.Count);
        return TypedResults.Ok();
    }

    /// <summary>
    /// For each name the callback gives, the sessions on the provider it stands for whose secret verifies the request; or
    /// the refusal, logged with the step that refused, when a name has none.
    /// </summary>
    private async Task<(Dictionary<string, IReadOnlyList<Session>> Sessions, IResult? Refusal)> VerifyAsync(IProviderCallback callback,
        CallbackRequest request, CancellationToken cancellationToken)
    {
        var verified = new Dictionary<string, IReadOnlyList<Session>>(StringComparer.Ordinal);
        var names = callback.SessionNames(request);
        if (names.Count == 0)
            return (verified, Refuse(callback, callback.Answers.Refused, null, "it names no session"));
        foreach (var name in names)
        {
            var sessions = (await callback.FindSessionsAsync(name, cancellationToken))
                .Where(s => string.Equals(s.Provider, callback.Provider, StringComparison.OrdinalIgnoreCase)).ToList();
            if (sessions.Count == 0)
                return (verified, Refuse(callback, callback.Answers.Refused, name, $"no {callback.Provider} session is named so"));
            var keyed = sessions.Select(s => (Session: s, Secret: secrets.Find(s, callback.SecretKey))).Where(s => s.Secret is not null).ToList();
            if (keyed.Count == 0)
                return (verified, Refuse(callback, callback.Answers.Refused, name, $"the session's {callback.SecretKey} is not configured"));
            verified[name] = keyed.Where(s => callback.Verify(request, s.Secret!)).Select(s => s.Session).ToList();
            if (verified[name].Count == 0)
                return (verified, Refuse(callback, callback.Answers.Refused, name, "the signature or token does not match"));
        }
        return (verified, null);
    }

    /// <summary>
    /// The one place a report takes effect: a status is queued for the receipt handler; a customer's message is recorded
    /// (once, however often it is delivered) before the callback is answered.
    /// </summary>
    private Task ApplyAsync(IProviderCallback callback, Session session, CallbackReport report, CancellationToken cancellationToken) =>
        report switch
        {
            StatusReport status => receipts.EnqueueAsync(new Receipt(null, status.Status, status.At, status.ProviderMessageId, status.Reason,
                Provider: callback.Provider, Session: session.Id) 
            {
                ClosesWindow = status.ClosesWindow,
                Chat = status.Chat,
                Partitions = session.Partitions > 1 ? session.Partitions : null,
            }, cancellationToken: cancellationToken),
            InboundReport message => inbound.RecordAsync(session, callback.Provider, message, cancellationToken),
            _ => throw new InvalidOperationException($"a {report.GetType().Name} has no way to be applied"),
        };

    private IResult Refuse(IProviderCallback callback, IResult answer, string? name, string why)
    {
        // The name is a session id or the Cloud API's phone number id (an id of Meta's, not a phone number); anything
        // else an unverified request put there is not written to the log as it is.
        LogRefused(callback.Provider, name is null ? "nothing" : SessionId.IsValid(name) ? name : "something that is no session id", why);
        return answer;
    }

    [LoggerMessage(LogLevel.Warning, "{Provider} callback naming {Name} refused: {Why}")]
    private partial void LogRefused(string provider, string name, string why);

    [LoggerMessage(LogLevel.Debug, "{Provider} callback accepted: {Count} reports queued")]
    private partial void LogAccepted(string provider, int count);
}
