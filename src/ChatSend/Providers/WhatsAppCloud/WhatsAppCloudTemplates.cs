using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSend.Http;
using ChatSend.Providers.Settings;
using ChatSend.Sessions;
using ChatSend.Templates;
using Microsoft.Extensions.Options;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>
/// A session's templates from its WhatsApp Business Account: <c>GET {baseUrl}/{apiVersion}/{wabaId}/message_templates</c>
/// with the session's token, a page at a time (<c>paging.cursors.after</c> while <c>paging.next</c> is given), kept in
/// this instance's memory for <see cref="WhatsAppCloudOptions.TemplatesFreshness"/>. A template error from Meta on a send
/// forgets the session's copy, and <c>/send</c> reads again once before refusing a template it does not find.
/// </summary>
public sealed class WhatsAppCloudTemplates(IHttpClientFactory httpClients, ProviderSecrets secrets, TimeProvider time,
    IOptions<WhatsAppCloudOptions> options)
{
    private const int PageSize = 100;
    private const int MaxPages = 50; // 5,000 templates; more than Meta lets an account have
    private const string Fields = "name,language,status,category,parameter_format,components";

    private sealed record Cached(Uri Endpoint, DateTimeOffset ReadAt, IReadOnlyList<MessageTemplate> Templates);

    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<MessageTemplate>> GetAsync(Session session, bool refresh, CancellationToken cancellationToken)
    {
        var endpoint = Endpoint(session);
        var now = time.GetUtcNow();
        if (!refresh && _cache.TryGetValue(session.Id, out var cached) && cached.Endpoint == endpoint
            && now - cached.ReadAt < options.Value.TemplatesFreshness)
            return cached.Templates;
        var templates = await ReadAllAsync(session, endpoint, cancellationToken);
        _cache[session.Id] = new Cached(endpoint, now, templates);
        return templates;
    }

    public void Forget(Session session) => _cache.TryRemove(session.Id, out _);

    /// <summary>The message_templates endpoint of the session's account, from its settings.</summary>
    public static Uri Endpoint(Session session)
    {
        var settings = ProviderSettingsSchema.Read<WhatsAppCloudSettings>(session);
        if (settings.WabaId is not { } waba)
            throw new ProviderException("the session has no wabaId setting (session … --setting wabaId=<WhatsApp Business Account id>)", transient: false);
        if (settings.BaseUrl is not { } baseUrl || settings.ApiVersion is not { } version)
            throw new ProviderException("the session's baseUrl or apiVersion setting is not valid", transient: false);
        return new Uri($"{baseUrl.OriginalString.TrimEnd('/')}/{Uri.EscapeDataString(version)}/{waba}/message_templates");
    }

    private async Task<IReadOnlyList<MessageTemplate>> ReadAllAsync(Session session, Uri endpoint, CancellationToken cancellationToken)
    {
        var token = secrets.Require(session, WhatsAppCloudSettings.AccessToken);
        var templates = new List<MessageTemplate>();
        string? after = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var url = $"{endpoint}?fields={Uri.EscapeDataString(Fields)}&limit={PageSize}" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}");
            var list = await GetPageAsync(url, token, cancellationToken);
            templates.AddRange((list.Data ?? []).Select(Of).OfType<MessageTemplate>());
            // Meta gives paging.next only while there is a page after this one.
            if (list.Paging?.Next is null || list.Paging.Cursors?.After is not { Length: > 0 } next)
                return templates;
            after = next;
        }
        return templates;
    }

    private async Task<TemplatePage> GetPageAsync(string url, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(WhatsAppCloudProvider.HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException("the WhatsApp Cloud API did not answer in time", transient: true, inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"the WhatsApp Cloud API could not be reached ({ex.HttpRequestError})", transient: true, inner: ex);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw WhatsAppCloudErrors.Map(response.StatusCode, GraphError.Parse(text), RetryAfter.Of(response, time));
            try
            {
                return JsonSerializer.Deserialize<TemplatePage>(text) ?? throw new JsonException("null");
            }
            catch (JsonException ex)
            {
                throw new ProviderException("the WhatsApp Cloud API answered the template list with a body that is not one", transient: true, inner: ex);
            }
        }
    }

    private static MessageTemplate? Of(MetaTemplate t)
    {
        if (t.Name is not { Length: > 0 } name || t.Language is not { Length: > 0 } language)
            return null;
        var body = t.Components?.FirstOrDefault(c => string.Equals(c.Type, "BODY", StringComparison.OrdinalIgnoreCase))?.Text ?? "";
        return MessageTemplate.Of(name, language, t.Status ?? "UNKNOWN", t.Category, body, t.ParameterFormat);
    }

    // Meta's answer: {"data":[{"name","language","status","category","parameter_format","components":[{"type":"BODY","text"}…],"id"}],
    // "paging":{"cursors":{"before","after"},"next"}}.
    private sealed record TemplatePage(
        [property: JsonPropertyName("data")] IReadOnlyList<MetaTemplate>? Data,
        [property: JsonPropertyName("paging")] Paging? Paging);

    private sealed record Paging(
        [property: JsonPropertyName("cursors")] Cursors? Cursors,
        [property: JsonPropertyName("next")] string? Next);

    private sealed record Cursors([property: JsonPropertyName("after")] string? After);

    private sealed record MetaTemplate(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("language")] string? Language,
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("category")] string? Category,
        [property: JsonPropertyName("parameter_format")] string? ParameterFormat,
        [property: JsonPropertyName("components")] IReadOnlyList<MetaComponent>? Components);

    private sealed record MetaComponent(
        [property: JsonPropertyName("type")] string? Type,
        [property: JsonPropertyName("text")] string? Text);
}
