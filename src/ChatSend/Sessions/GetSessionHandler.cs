using System.Text.Json.Serialization;
using ChatSend.Http;
using ChatSend.Providers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Sessions;

/// <summary>
/// A session as an operator sees it: never a secret's value, only its name and whether it is configured; and how many
/// partitions of the messages table its chats are spread over (1 unless it was created with more).
/// </summary>
public sealed record SessionView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("sender")] string Sender,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("partitions")] int Partitions,
    [property: JsonPropertyName("settings")] IReadOnlyDictionary<string, string> Settings,
    [property: JsonPropertyName("secrets")] IReadOnlyDictionary<string, SecretView> Secrets,
    [property: JsonPropertyName("providerState")] ProviderSessionState? ProviderState);

public sealed record SecretView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("configured")] bool Configured);

/// <summary>
/// <c>GET /sessions/{id}</c> for a key that covers the session: provider, sender, settings, secret names, and for a
/// gateway with sessions of its own (WAHA, Evolution) its live state. A gateway that cannot be asked shows as
/// <c>unreachable</c> with the reason; it does not fail the request.
/// </summary>
public sealed class GetSessionHandler(SessionStore sessions, ChannelProviders providers, ProviderSecrets secrets)
{
    public async Task<Results<Ok<SessionView>, ProblemHttpResult>> HandleAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        // Outside the key's scope a session answers like a missing one.
        if (!request.HttpContext.GetApiKeyScope().Covers(id) || await sessions.FindAsync(id, cancellationToken) is not { } session)
            return Problems.Field(StatusCodes.Status404NotFound, "The session does not exist.", "id", $"no session '{id}' is visible to this API key");
        return TypedResults.Ok(await ViewAsync(session, cancellationToken));
    }

    /// <summary>The view, for the API and the operator CLI (<c>session show</c>).</summary>
    public async Task<SessionView> ViewAsync(Session session, CancellationToken cancellationToken)
    {
        var state = providers.Find(session.Provider) is { } provider ? await StateAsync(provider, session, cancellationToken) : null;
        return new SessionView(session.Id, session.SenderPhone, session.Provider, session.Enabled, session.Partitions, session.ProviderSettings,
            (session.SecretNames ?? new Dictionary<string, string>()).ToDictionary(
                s => s.Key, s => new SecretView(s.Value, secrets.Find(session, s.Key) is not null)),
            state);
    }

    private static async Task<ProviderSessionState?> StateAsync(IChannelProvider provider, Session session, CancellationToken cancellationToken)
    {
        try
        {
            return await provider.GetStateAsync(session, cancellationToken);
        }
        catch (Exception ex) when (ex is ProviderException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ProviderSessionState("unreachable", ex.Message);
        }
    }
}
