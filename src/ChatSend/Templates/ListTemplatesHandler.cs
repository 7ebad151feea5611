using ChatSend.Http;
using ChatSend.Providers;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Templates;

/// <summary>
/// <c>GET /sessions/{session}/templates</c> for a key that covers the session: its account's templates, every status, as
/// the catalogue has them (cached; see <see cref="TemplateCheck"/>). A provider without templates is 422.
/// </summary>
public sealed class ListTemplatesHandler(SessionStore sessions, ChannelProviders providers)
{
    public async Task<Results<Ok<TemplateList>, ProblemHttpResult>> HandleAsync(HttpRequest request, string session, CancellationToken cancellationToken)
    {
        // Outside the key's scope a session answers like a missing one, as GET /sessions/{id} does.
        if (!request.HttpContext.GetApiKeyScope().Covers(session) || await sessions.FindAsync(session, cancellationToken) is not { } found)
            return Problems.Field(StatusCodes.Status404NotFound, "The session does not exist.", "session", $"no session '{session}' is visible to this API key");
        if (providers.Find(found.Provider) is not { } provider)
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, "The session's provider has no templates.", "session",
                $"session '{found.Id}' uses provider '{found.Provider}', which this deployment does not have");
        var catalog = await TemplateCatalog.ReadAsync(request.HttpContext, provider, found, refresh: false, "session", cancellationToken);
        if (catalog.Failed(out var problem))
            return problem;
        return TypedResults.Ok(new TemplateList(catalog.Value!.OrderBy(t => t.Name, StringComparer.Ordinal).ThenBy(t => t.Language, StringComparer.Ordinal).ToList()));
    }
}
