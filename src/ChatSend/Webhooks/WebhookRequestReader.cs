using System.Text.Json;
using ChatSend.Events;
using ChatSend.Http;
using ChatSend.Send;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Webhooks;

/// <summary>
/// Reads and checks the body of a webhook create (<c>url</c> required) or update (every field optional): each bad
/// field is named, <c>events[i]</c> for one entry of the list.
/// </summary>
public sealed class WebhookRequestReader(WebhookUrlCheck urls)
{
    private static readonly IReadOnlyList<string> FieldOrder = [JsonBody.Field, .. JsonBody.FieldOrder<WebhookRequest>()];

    public async Task<Step<WebhookChanges>> ReadAsync(HttpRequest request, bool creating, CancellationToken cancellationToken)
    {
        var body = await SendRequestReader.ReadBodyAsync(request, cancellationToken);
        if (body.Failed(out var problem))
            return problem;
        var errors = new FieldErrors();
        var read = JsonBody.Read<WebhookRequest>(body.Value, errors);
        if (read.Failed(out problem))
            return problem;
        var wire = read.Value!;
        if (creating && wire.Enabled is not null)
            errors.Add("enabled", "is not taken on create (a new webhook is enabled); change it with PATCH");
        var changes = await CheckAsync(wire, creating, errors, cancellationToken);
        return errors.Count == 0 ? changes : Problems.Validation(errors.ToDictionary(FieldOrder));
    }

    /// <summary>The checked changes; problems are added to <paramref name="errors"/>.</summary>
    public async Task<WebhookChanges> CheckAsync(WebhookRequest wire, bool creating, FieldErrors errors, CancellationToken cancellationToken)
    {
        Uri? url = null;
        if (wire.Url is { } text)
            url = await urls.CheckAsync(text, "url", errors, cancellationToken);
        else if (creating && !errors.Has("url"))
            errors.Add("url", "is required");
        var events = wire.Events is { } list ? Events(list, errors) : null;
        return new WebhookChanges(url, events, wire.Enabled);
    }

    private static List<string>? Events(JsonElement list, FieldErrors errors)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            errors.Add("events", $"must be an array of event types, not {JsonBody.Describe(list.ValueKind)}");
            return null;
        }
        return Events(list.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String && JsonText.StringProblem(e) is null ? e.GetString() : null).ToList(), errors);
    }

    /// <summary>Each entry must be one of <see cref="MessageEvents.AllTypes"/>; repeats are dropped. Empty means every type.</summary>
    public static List<string>? Events(IReadOnlyList<string?> entries, FieldErrors errors)
    {
        var types = new List<string>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is { } type && MessageEvents.AllTypes.Contains(type, StringComparer.Ordinal))
            {
                if (!types.Contains(type))
                    types.Add(type);
            }
            else
                errors.Add($"events[{i}]", $"must be one of {string.Join(", ", MessageEvents.AllTypes)}");
        }
        return errors.Count == 0 ? types : null;
    }
}
