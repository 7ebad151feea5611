namespace ChatSend.Webhooks;

/// <summary>A customer's webhook endpoint as delivery sees it (no secret: see <see cref="IWebhookEndpoints.SigningSecretsAsync"/>).</summary>
/// <param name="Events">The event types it wants (<c>chatsend.message.read</c>, …); empty means every type.</param>
/// <param name="FailingSince">When deliveries to it started failing without a success since; null while it is healthy.</param>
public sealed record WebhookEndpoint(
    string Session,
    string Id,
    Uri Url,
    IReadOnlyList<string> Events,
    bool Enabled,
    DateTimeOffset? FailingSince,
    int ChatEpoch = 0)
{
    public bool Wants(string eventType) => Events.Count == 0 || Events.Contains(eventType, StringComparer.Ordinal);
}

/// <summary>
/// The registry of customer webhooks as the delivery side reads and updates it. The registry (the <c>webhooks</c>
/// table, its HTTP routes and admin commands) implements it; delivery only uses it.
/// </summary>
public interface IWebhookEndpoints
{
    /// <summary>The session's enabled endpoints. May answer from a short-lived per-instance cache (<c>ChatSend:Cache:Sessions</c>).</summary>
    Task<IReadOnlyList<WebhookEndpoint>> ListEnabledAsync(string session, CancellationToken cancellationToken);

    /// <summary>One endpoint as stored now (no cache), or null when it was deleted.</summary>
    Task<WebhookEndpoint?> FindAsync(string session, string id, CancellationToken cancellationToken);

    /// <summary>
    /// The secrets to sign with now, each <c>whsec_&lt;base64&gt;</c>: the current one first, then the previous one while
    /// its rotation grace lasts. Decrypted for this call only; never logged.
    /// </summary>
    Task<IReadOnlyList<string>> SigningSecretsAsync(string session, string id, CancellationToken cancellationToken);

    /// <summary>
    /// Records the outcome of a delivery attempt for the endpoint's health: a success clears <see cref="WebhookEndpoint.FailingSince"/>,
    /// a failure sets it if it is not set. Writes only when that changes.
    /// </summary>
    Task RecordOutcomeAsync(string session, string id, bool succeeded, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Disables the endpoint with a reason the operator's listing shows (<c>disabledReason</c>).</summary>
    Task DisableAsync(string session, string id, string reason, CancellationToken cancellationToken);
}

/// <summary>One delivery attempt as the operator's listing shows it (<c>lastDeliveries</c>, docs/events-and-webhooks.md).</summary>
/// <param name="Status">The HTTP status code the endpoint answered, or null when there was no answer (timeout, refused address, connection error).</param>
public sealed record WebhookAttempt(DateTimeOffset At, string EventId, int? Status, long LatencyMs, string? Error);

/// <summary>Each endpoint's recent delivery attempts (the <c>webhooklog</c> table), newest first.</summary>
public interface IWebhookLog
{
    Task AddAsync(string session, string webhookId, WebhookAttempt attempt, CancellationToken cancellationToken);

    Task<IReadOnlyList<WebhookAttempt>> RecentAsync(string session, string webhookId, int max, CancellationToken cancellationToken);
}
