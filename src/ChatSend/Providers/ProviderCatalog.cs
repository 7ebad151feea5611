using System.Text;
using ChatSend.Delivery;
using ChatSend.Providers.Evolution;
using ChatSend.Providers.Settings;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Send;

namespace ChatSend.Providers;

/// <summary>A built-in provider as data: what it sends, the settings and secrets a session takes, its default pace.</summary>
public sealed record ProviderDescriptor(string Name, string Title, ProviderCapabilities Capabilities, ProviderSettingsSchema Settings,
    PacingDefaults Pacing, string WindowPolicy = Chats.ChatWindows.Off);

/// <summary>
/// The built-in providers, read without a running app: the OpenAPI description of <c>/send</c> and the generated tables
/// of <c>docs/providers.md</c> come from here (<c>dotnet run --project src/ChatSend.Host -- docs</c> writes them; a test
/// keeps them equal). Each entry points at its provider's own declarations, and a test checks the registered providers
/// answer the same.
/// </summary>
public static class ProviderCatalog
{
    public static IReadOnlyList<ProviderDescriptor> BuiltIn { get; } =
    [
        new(SandboxProvider.ProviderName, "Sandbox (local runs, demos, tests)", SandboxProvider.Supported,
            ProviderSettingsSchema.Of<SandboxSettings>(), PacingDefaults.None),
        new(WhatsAppCloudProvider.ProviderName, "Meta WhatsApp Cloud API", WhatsAppCloudProvider.Supported,
            ProviderSettingsSchema.Of<WhatsAppCloudSettings>(), WhatsAppCloudProvider.DefaultPacing, Chats.ChatWindows.Enforce),
        new(WahaProvider.ProviderName, "WAHA (self-hosted WhatsApp HTTP API)", WahaProvider.Supported,
            ProviderSettingsSchema.Of<WahaSettings>(), WahaProvider.DefaultPacing),
        new(EvolutionProvider.ProviderName, "Evolution API v2", EvolutionProvider.Supported,
            ProviderSettingsSchema.Of<EvolutionSettings>(), EvolutionProvider.DefaultPacing),
    ];

    /// <summary>One sentence per provider for the OpenAPI description of <c>/send</c>.</summary>
    public static string SendSupport() =>
        "What each provider sends (anything else is 422 naming the field): " + string.Join("; ", BuiltIn.Select(p =>
            $"{p.Name}: {string.Join(", ", Types(p.Capabilities))}" +
            (p.Capabilities.Groups ? ", to groups too" : ", not to groups") +
            (p.Capabilities.Preview ? ", custom link previews" : ", no custom link previews") +
            (p.Capabilities.Replies ? ", replies (replyTo)" : ", no replies"))) + ".";

    /// <summary>The Markdown table of what each provider can do, for <c>docs/providers.md</c>.</summary>
    public static string CapabilitiesTable()
    {
        var table = new StringBuilder();
        var types = MessageTypes.Sendable;
        var features = BuiltIn[0].Capabilities.Features().Select(f => f.Name).ToList();
        table.AppendLine("| provider | " + string.Join(" | ", types.Select(t => t.ToWire()).Concat(features)) + " |");
        table.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", types.Count + features.Count)));
        foreach (var provider in BuiltIn)
            table.AppendLine($"| `{provider.Name}` | " + string.Join(" | ",
                types.Select(t => provider.Capabilities.Types.Contains(t)).Concat(provider.Capabilities.Features().Select(f => f.Supported))
                    .Select(yes => yes ? "yes" : "no")) + " |");
        return table.ToString().Replace("\r\n", "\n");
    }

    /// <summary>The Markdown settings and secrets of each provider, for <c>docs/providers.md</c>.</summary>
    public static string SettingsTables()
    {
        var text = new StringBuilder();
        foreach (var provider in BuiltIn)
        {
            text.AppendLine($"**`{provider.Name}`**").AppendLine();
            text.AppendLine("| name | kind | required | default | meaning |").AppendLine("|---|---|---|---|---|");
            foreach (var setting in provider.Settings.Settings)
                text.AppendLine($"| `{setting.Key}` | setting | {(setting.Required ? "yes" : "no")} | " +
                    $"{(setting.Common ? CommonDefault(provider, setting.Key) : setting.Default ?? "")} | {setting.Description} |");
            foreach (var secret in provider.Settings.Secrets)
                text.AppendLine($"| `{secret.Key}` | secret | {(secret.Use == SecretUse.Sending ? "yes" : "for callbacks")} | | {secret.Description} |");
            text.AppendLine();
        }
        return text.ToString().Replace("\r\n", "\n").TrimEnd() + "\n";
    }

    /// <summary>
    /// <paramref name="markdown"/> (<c>docs/providers.md</c>) with its generated regions, each between
    /// <c>&lt;!-- generated:name --&gt;</c> and <c>&lt;!-- end:name --&gt;</c>, written anew from the catalog.
    /// </summary>
    public static string WriteDocs(string markdown) =>
        Region(Region(markdown, "provider-capabilities", CapabilitiesTable()), "provider-settings", SettingsTables());

    private static string Region(string markdown, string name, string content)
    {
        var (start, end) = ($"<!-- generated:{name} -->\n", $"<!-- end:{name} -->");
        var from = markdown.IndexOf(start, StringComparison.Ordinal);
        var to = markdown.IndexOf(end, StringComparison.Ordinal);
        if (from < 0 || to < from)
            throw new InvalidOperationException($"The document has no region '{name}' ({start.TrimEnd()} … {end}).");
        return markdown[..(from + start.Length)] + content + markdown[to..];
    }

    private static IEnumerable<string> Types(ProviderCapabilities capabilities) =>
        MessageTypes.Sendable.Where(capabilities.Types.Contains).Select(t => t.ToWire());

    /// <summary>The provider's own pace or window policy where a setting every provider takes is absent.</summary>
    private static string CommonDefault(ProviderDescriptor provider, string key) =>
        key == ProviderSettingsSchema.KeyOf(nameof(ProviderSettings.WindowPolicy)) ? $"`{provider.WindowPolicy}`"
        : key == ProviderSettingsSchema.KeyOf(nameof(ProviderSettings.MaxPerMinute))
            ? provider.Pacing.MaxPerMinute is { } max ? $"`{max}`" + (provider.Pacing.Jitter ? ", with jitter" : "") : "no limit"
        : key == ProviderSettingsSchema.KeyOf(nameof(ProviderSettings.MinRecipientGapSeconds))
            ? provider.Pacing.MinRecipientGap is { } gap ? $"`{gap.TotalSeconds:0.###}`" : "no gap"
        : throw new ArgumentOutOfRangeException(nameof(key), key, "not a setting every provider takes");
}
