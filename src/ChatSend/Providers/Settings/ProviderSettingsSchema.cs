using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using ChatSend.Sessions;

namespace ChatSend.Providers.Settings;

/// <summary>
/// One setting of a provider: its key, whether it is required, its default (a value, or <see cref="DefaultTextAttribute"/>'s
/// words) and what it means, and whether every provider takes it (pacing) or only this one.
/// </summary>
public sealed record SettingInfo(string Key, Type Type, bool Required, string? Default, string Description, PropertyInfo Property, bool Common);

/// <summary>A setting or secret that is missing, unknown or malformed, named by its key.</summary>
public sealed record SettingError(string Kind, string Key, string Message)
{
    public override string ToString() => $"{Kind} '{Key}' {Message}";
}

/// <summary>
/// A provider's settings type (<see cref="ProviderSettings"/>) read once by reflection: which settings and secrets there
/// are, their defaults and rules. <see cref="Validate"/> checks a session before it is stored (unknown keys, required
/// ones, malformed values); <see cref="Read{T}"/> turns a stored session's settings into the typed object when it is used,
/// leaving a setting that does not parse at its default.
/// </summary>
public sealed class ProviderSettingsSchema
{
    private ProviderSettingsSchema(Type type)
    {
        var defaults = Activator.CreateInstance(type)!;
        Type = type;
        // The provider's own settings first, then those every provider shares.
        Settings = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .OrderBy(p => p.DeclaringType == type ? 0 : 1).ThenBy(p => p.MetadataToken)
            .Select(p => new SettingInfo(KeyOf(p.Name), p.PropertyType,
                p.GetCustomAttribute<RequiredAttribute>() is not null,
                p.GetCustomAttribute<DefaultTextAttribute>()?.Text ?? (Format(p.GetValue(defaults)) is { } value ? $"`{value}`" : null),
                p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "", p, p.DeclaringType == typeof(ProviderSettings)))
            .ToList();
        Secrets = type.GetCustomAttributes<SecretAttribute>().ToList();
    }

    /// <summary>The schema of a settings type; built once per type.</summary>
    public static ProviderSettingsSchema Of<T>() where T : ProviderSettings, new() => Cache<T>.Schema;

    /// <summary>The settings every provider takes, for providers with none of their own.</summary>
    public static ProviderSettingsSchema Common => Of<ProviderSettings>();

    public Type Type { get; }

    /// <summary>The key a session stores a setting under: its property's name, camel-cased.</summary>
    public static string KeyOf(string propertyName) => JsonNamingPolicy.CamelCase.ConvertName(propertyName);

    public IReadOnlyList<SettingInfo> Settings { get; }

    public IReadOnlyList<SecretAttribute> Secrets { get; }

    /// <summary>Everything wrong with a session's settings and secret names for this provider; empty when it may be stored.</summary>
    public IReadOnlyList<SettingError> Validate(IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string>? secretNames)
    {
        var errors = new List<SettingError>();
        var known = Settings.Select(s => s.Key).ToList();
        foreach (var key in settings.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal)))
            errors.Add(new("setting", key, $"is not a setting of this provider; known: {string.Join(", ", known)}"));
        var (_, bindErrors) = Bind(settings);
        errors.AddRange(bindErrors);
        var secretKeys = Secrets.Select(s => s.Key).ToList();
        foreach (var key in (secretNames ?? new Dictionary<string, string>()).Keys.Where(k => !secretKeys.Contains(k, StringComparer.Ordinal)))
            errors.Add(new("secret", key, secretKeys.Count == 0
                ? "is not a secret of this provider; it reads none"
                : $"is not a secret of this provider; known: {string.Join(", ", secretKeys)}"));
        return errors;
    }

    /// <summary>The typed settings of a stored session: an absent value keeps its default, a malformed one is null.</summary>
    public static T Read<T>(Session session) where T : ProviderSettings, new() => (T)Of<T>().Bind(session.ProviderSettings).Value;

    private (ProviderSettings Value, IReadOnlyList<SettingError> Errors) Bind(IReadOnlyDictionary<string, string> settings)
    {
        var value = (ProviderSettings)Activator.CreateInstance(Type)!;
        var errors = new List<SettingError>();
        foreach (var setting in Settings)
        {
            var before = errors.Count;
            // An empty value counts as absent, as it always has.
            if (settings.GetValueOrDefault(setting.Key) is not { Length: > 0 } text)
            {
                if (setting.Required)
                    errors.Add(new("setting", setting.Key, $"is required: {setting.Description}"));
                continue;
            }
            var results = new List<ValidationResult>();
            if (!TryConvert(setting.Type, text, out var converted, out var expected))
                errors.Add(new("setting", setting.Key, expected));
            else if (!Validator.TryValidateProperty(converted, new ValidationContext(value) { MemberName = setting.Property.Name, DisplayName = setting.Key }, results))
                errors.AddRange(results.Select(r => new SettingError("setting", setting.Key, r.ErrorMessage ?? "is not valid")));
            setting.Property.SetValue(value, errors.Count == before ? converted : null);
        }
        return (value, errors);
    }

    private static bool TryConvert(Type type, string text, out object? value, out string expected)
    {
        value = null;
        switch (Nullable.GetUnderlyingType(type) ?? type)
        {
            case var t when t == typeof(string):
                value = text;
                expected = "";
                return true;
            case var t when t == typeof(int):
                expected = "must be a whole number";
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var whole))
                    return false;
                value = whole;
                return true;
            case var t when t == typeof(double):
                expected = "must be a number";
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                    return false;
                value = number;
                return true;
            case var t when t == typeof(Uri):
                expected = "must be an absolute http or https URL";
                if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
                    return false;
                value = uri;
                return true;
            default:
                throw new NotSupportedException($"A provider setting of type {type} is not supported; use string, int, double or Uri.");
        }
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        Uri uri => uri.OriginalString,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static class Cache<T> where T : ProviderSettings, new()
    {
        public static readonly ProviderSettingsSchema Schema = new(typeof(T));
    }
}
