using ChatSend.Http;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

/// <summary>
/// The webhook registry's routes (docs/events-and-webhooks.md, "Registering webhooks"). The key must cover the session;
/// otherwise, like an unknown session or webhook, the answer is 404. Without the secrets key configured every route
/// answers 503 saying what to set.
/// </summary>
public sealed class WebhooksApi(
    WebhookStore store,
    WebhookLog log,
    SessionStore sessions,
    WebhookSecretCipher cipher,
    WebhookRequestReader reader,
    IOptions<WebhookOptions> options)
{
    public async Task<Results<Created<CreatedWebhookView>, ProblemHttpResult>> CreateAsync(HttpRequest request, string session, CancellationToken cancellationToken)
    {
        if (await RefuseAsync(request, session, cancellationToken) is { } refused)
            return refused;
        var read = await reader.ReadAsync(request, creating: true, cancellationToken);
        if (read.Failed(out var problem))
            return problem;
        if (await store.CreateAsync(session, read.Value!.Url!, read.Value.Events ?? [], cancellationToken) is not ({ } row, { } secret))
            return Problems.Problem(StatusCodes.Status409Conflict, "The session has as many webhooks as it may have.",
                $"A session may have at most {options.Value.MaxPerSession} webhooks; delete one first.");
        return TypedResults.Created($"/sessions/{session}/webhooks/{row.RowKey}", CreatedWebhookView.From(row, secret));
    }

    public async Task<Results<Ok<WebhookList>, ProblemHttpResult>> ListAsync(HttpRequest request, string session, CancellationToken cancellationToken)
    {
        if (await RefuseAsync(request, session, cancellationToken) is { } refused)
            return refused;
        var rows = await store.ListAsync(session, cancellationToken);
        return TypedResults.Ok(new WebhookList(await Task.WhenAll(rows.Select(row => ViewAsync(row, cancellationToken)))));
    }

    public async Task<Results<Ok<RotatedWebhookView>, ProblemHttpResult>> RotateAsync(HttpRequest request, string session, string id,
        CancellationToken cancellationToken)
    {
        if (await RefuseAsync(request, session, cancellationToken) is { } refused)
            return refused;
        return await store.RotateAsync(session, id, cancellationToken) is { } secret
            ? TypedResults.Ok(new RotatedWebhookView(id, secret))
            : WebhookNotFound(session, id);
    }

    public async Task<Results<Ok<WebhookView>, ProblemHttpResult>> UpdateAsync(HttpRequest request, string session, string id,
        CancellationToken cancellationToken)
    {
        if (await RefuseAsync(request, session, cancellationToken) is { } refused)
            return refused;
        var read = await reader.ReadAsync(request, creating: false, cancellationToken);
        if (read.Failed(out var problem))
            return problem;
        var row = await store.UpdateAsync(session, id, row => Apply(row, read.Value!), cancellationToken);
        return row is null ? WebhookNotFound(session, id) : TypedResults.Ok(await ViewAsync(row, cancellationToken));
    }

    public async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(HttpRequest request, string session, string id, CancellationToken cancellationToken)
    {
        if (await RefuseAsync(request, session, cancellationToken) is { } refused)
            return refused;
        if (!WebhookEntity.IsId(id))
            return WebhookNotFound(session, id);
        await log.ClearAsync(session, id, cancellationToken); // first: if that fails the webhook stays, and a retry clears both
        return await store.DeleteAsync(session, id, cancellationToken) ? TypedResults.NoContent() : WebhookNotFound(session, id);
    }

    /// <summary>
    /// Applies a PATCH. Enabling a disabled webhook clears its reason and failure start; a new URL clears the failure
    /// start too, as nothing is known of the new endpoint's health.
    /// </summary>
    public static bool Apply(WebhookEntity row, WebhookChanges changes)
    {
        if (changes.Url is { } url && url.AbsoluteUri != row.Url)
        {
            row.Url = url.AbsoluteUri;
            row.FailingSince = null;
        }
        if (changes.Events is { } events)
            row.Events = string.Join(',', events);
        if (changes.Enabled is { } enabled && enabled != row.Enabled)
        {
            row.Enabled = enabled;
            row.DisabledReason = null;
            row.FailingSince = null;
        }
        return true;
    }

    public async Task<WebhookView> ViewAsync(WebhookEntity row, CancellationToken cancellationToken) =>
        WebhookView.From(row, await log.RecentAsync(row.PartitionKey, row.RowKey, options.Value.LogSize, cancellationToken));

    private async Task<ProblemHttpResult?> RefuseAsync(HttpRequest request, string session, CancellationToken cancellationToken)
    {
        // Outside the key's scope a session answers like a missing one, so sessions cannot be probed.
        if (!request.HttpContext.GetApiKeyScope().Covers(session) || await sessions.FindAsync(session, cancellationToken) is null)
            return Problems.Field(StatusCodes.Status404NotFound, "The session does not exist.", "session",
                $"no session '{session}' is visible to this API key");
        if (cipher.KeyProblem is { } missing)
            return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Webhooks are not configured on this server.", missing);
        return null;
    }

    private static ProblemHttpResult WebhookNotFound(string session, string id) =>
        Problems.Field(StatusCodes.Status404NotFound, "The webhook does not exist.", "id", $"session '{session}' has no webhook '{id}'");
}
