using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSend.Providers.Settings;
using ChatSend.Templates;

namespace ChatSend.Providers;

/// <summary>A <c>sandbox</c> session's settings: how soon its pretend network reports, and whether its recipients answer; no secrets.</summary>
public sealed class SandboxSettings : ProviderSettings
{
    [Range(0d, 3600d), Description("seconds after sent when the sandbox reports `delivered` (0–3600)")]
    [DefaultText("`ChatSend:Sandbox:DeliveredAfter` (1 s)")]
    public double? DeliveredAfterSeconds { get; set; }

    [Range(0d, 3600d), Description("seconds after sent when the sandbox reports `read` (0–3600)")]
    [DefaultText("`ChatSend:Sandbox:ReadAfter` (2 s)")]
    public double? ReadAfterSeconds { get; set; }

    [Range(0d, 3600d), Description("seconds after sent when the recipient answers every message with an echo (`echo: <text>`, or the same file), " +
        "recorded as a customer's message (0–3600)")]
    [DefaultText("no answer")]
    public double? ReplyAfterSeconds { get; set; }

    [SandboxTemplates, Description("the session's pretend template catalogue, a JSON array of " +
        "`{\"name\", \"language\", \"body\", \"status\"?, \"category\"?}`; `{{1}}` in a body is a positional parameter, `{{order_id}}` a named one; " +
        "status defaults to `APPROVED`")]
    [DefaultText("no templates")]
    public string? Templates { get; set; }

    /// <summary>The catalogue the <see cref="Templates"/> setting describes; empty when there is none.</summary>
    public IReadOnlyList<MessageTemplate> Catalog() => SandboxTemplatesAttribute.Parse(Templates) ?? [];
}

/// <summary>A sandbox catalogue: a JSON array of templates, each with a name, a language and a body.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SandboxTemplatesAttribute() : ValidationAttribute(
    "must be a JSON array of objects with name, language and body (status and category optional)")
{
    public override bool IsValid(object? value) => value is null || Parse(value as string) is not null;

    private sealed record Entry(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("language")] string? Language,
        [property: JsonPropertyName("body")] string? Body,
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("category")] string? Category);

    public static IReadOnlyList<MessageTemplate>? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
            return [];
        try
        {
            var entries = JsonSerializer.Deserialize<List<Entry>>(json);
            if (entries is null || entries.Any(e => e is null || string.IsNullOrEmpty(e.Name) || string.IsNullOrEmpty(e.Language) || e.Body is null))
                return null;
            return entries.Select(e => MessageTemplate.Of(e.Name!, e.Language!, e.Status ?? MessageTemplate.Approved, e.Category ?? "UTILITY", e.Body!)).ToList();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
