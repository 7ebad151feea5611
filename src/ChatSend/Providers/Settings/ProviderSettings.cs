using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace ChatSend.Providers.Settings;

/// <summary>
/// A provider's session settings as one options type: each public property is a setting (its name camel-cased, as
/// <c>session … --setting maxPerMinute=30</c> writes it), <see cref="RequiredAttribute"/> marks the required ones, the
/// property's initial value is the default, data annotations say what a valid value is, and <see cref="SecretAttribute"/>
/// on the class names the secrets the session maps to configuration. <see cref="ProviderSettingsSchema"/> reads it all
/// once. Every provider takes these pacing settings; each provider's own type derives from this one.
/// </summary>
public class ProviderSettings
{
    [Description("messages a minute for the session, across all instances; `0` turns the limit off")]
    [Range(0, int.MaxValue)]
    public int? MaxPerMinute { get; set; }

    // No bounds: any number was always taken, and 0 or less turns the gap off.
    [Description("seconds between two messages to the same recipient; `0` turns the gap off")]
    public double? MinRecipientGapSeconds { get; set; }

    [Description("`enforce`: a free-form message to a chat whose customer has not written in 24 hours is refused with 422 `window-closed` (or sent as its `fallbackTemplate`); `off`: not checked")]
    [RegularExpression("^(enforce|off)$", ErrorMessage = "must be enforce or off")]
    [DefaultText("`enforce` for whatsapp-cloud, `off` for the others")]
    public string? WindowPolicy { get; set; }
}

/// <summary>What a provider needs a secret for.</summary>
public enum SecretUse
{
    /// <summary>Every send needs it.</summary>
    Sending,

    /// <summary>Only provider callbacks need it (verifying them).</summary>
    Callbacks,
}

/// <summary>A secret the provider reads: the session maps this key to the name of a secret in configuration.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SecretAttribute(string key, SecretUse use, string description) : Attribute
{
    public string Key { get; } = key;
    public SecretUse Use { get; } = use;
    public string Description { get; } = description;
}

/// <summary>For the docs: what an absent setting means when that is not a value of its own (another setting, the session id).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultTextAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>An absolute <c>http</c> or <c>https</c> URL.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpUrlAttribute() : ValidationAttribute("must be an absolute http or https URL")
{
    public override bool IsValid(object? value) =>
        value is null || value is Uri { IsAbsoluteUri: true, Scheme: "http" or "https" };
}
