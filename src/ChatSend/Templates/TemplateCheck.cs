using ChatSend.Http;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Templates;

/// <summary>
/// Whether the session's account has the template approved and the values fit its body, asked of the session's catalogue
/// before anything is staged or stored: 422 naming <c>template.name</c>, <c>template.language</c> or
/// <c>template.parameters</c>. A template not found in a cached catalogue is looked for once more in a fresh one (it may
/// have been approved since). The value is the body with the parameters filled in, the message's <c>content</c>.
/// </summary>
public sealed class TemplateCheck(ChannelProviders providers)
{
    private const string Title = "The template does not fit the session's account.";

    public async Task<Step<string?>> CheckAsync(HttpContext context, SendCommand command, Session session, CancellationToken cancellationToken)
    {
        if (command.Template is not { } template || providers.Find(session.Provider) is not { } provider)
            return (string?)null;
        var field = command.TemplateField;
        var catalog = await TemplateCatalog.ReadAsync(context, provider, session, refresh: false, field, cancellationToken);
        if (catalog.Failed(out var unreadable))
            return unreadable;
        if (Find(catalog.Value!, template) is not { } found)
        {
            catalog = await TemplateCatalog.ReadAsync(context, provider, session, refresh: true, field, cancellationToken);
            if (catalog.Failed(out unreadable))
                return unreadable;
        }
        var templates = catalog.Value!;
        found = Find(templates, template);
        if (found is null)
        {
            var sameName = templates.Where(t => t.Name == template.Name && t.IsApproved).ToList();
            return sameName.Count == 0
                ? Refuse(field + ".name", $"the account has no approved template '{template.Name}'"
                    + (templates.Any(t => t.Name == template.Name) ? $" (its status: {string.Join(", ", templates.Where(t => t.Name == template.Name).Select(t => $"{t.Language} {t.Status}"))})" : ""))
                : Refuse(field + ".language", $"template '{template.Name}' is not approved in '{template.Language}'; approved in: "
                    + string.Join(", ", sameName.Select(t => t.Language)));
        }
        return Parameters(found, template) is { } mismatch ? Refuse(field + ".parameters", mismatch) : found.Fill(template);
    }

    /// <summary>The catalogue's approved template of that name and language, or null.</summary>
    public static MessageTemplate? Find(IReadOnlyList<MessageTemplate> templates, SendTemplate template) =>
        templates.FirstOrDefault(t => t.Name == template.Name && t.Language == template.Language && t.IsApproved);

    /// <summary>Why the values do not fit the template's body, or null when they do.</summary>
    public static string? Parameters(MessageTemplate found, SendTemplate template)
    {
        if (found.ParameterFormat == MessageTemplate.Named)
        {
            if (template.Positional is { Count: > 0 })
                return $"template '{found.Name}' has named parameters ({string.Join(", ", found.Parameters)}): give an object, not an array";
            var given = template.Named ?? new Dictionary<string, string>();
            var missing = found.Parameters.Where(p => !given.ContainsKey(p)).ToList();
            var unknown = given.Keys.Where(k => !found.Parameters.Contains(k)).ToList();
            if (missing.Count > 0)
                return $"missing {string.Join(", ", missing)} (template '{found.Name}' takes {string.Join(", ", found.Parameters)})";
            if (unknown.Count > 0)
                return $"template '{found.Name}' has no parameter {string.Join(", ", unknown)} (it takes {string.Join(", ", found.Parameters)})";
            return null;
        }
        if (template.Named is { Count: > 0 })
            return $"template '{found.Name}' has positional parameters ({found.ParameterCount}): give an array, not an object";
        var count = template.Positional?.Count ?? 0;
        return count == found.ParameterCount
            ? null
            : $"template '{found.Name}' takes {found.ParameterCount} parameter{(found.ParameterCount == 1 ? "" : "s")}, not {count}";
    }

    private static Step<string?> Refuse(string field, string message) =>
        Problems.Field(StatusCodes.Status422UnprocessableEntity, Title, field, message);
}

/// <summary>A session's catalogue from its provider, with the provider's failures as problems.</summary>
public static class TemplateCatalog
{
    public static async Task<Step<IReadOnlyList<MessageTemplate>>> ReadAsync(HttpContext context, IChannelProvider provider, Session session,
        bool refresh, string field, CancellationToken cancellationToken)
    {
        if (!provider.Capabilities.Templates)
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, "The session's provider has no templates.", field,
                $"provider {provider.Name} does not send WhatsApp templates");
        try
        {
            return Step(await provider.GetTemplatesAsync(session, refresh, cancellationToken));
        }
        catch (ProviderException ex) when (ex.IsTransient)
        {
            return Problems.ProviderUnavailable(context, provider.Name, ex.Message, ex.RetryAfter);
        }
        catch (ProviderException ex)
        {
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, "The session's templates cannot be read.", field,
                $"the templates of session '{session.Id}' cannot be read: {ex.Message}");
        }
    }

    private static Step<IReadOnlyList<MessageTemplate>> Step(IReadOnlyList<MessageTemplate> templates) => new(templates, null);
}
