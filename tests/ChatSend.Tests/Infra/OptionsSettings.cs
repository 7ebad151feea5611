using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using ChatSend.Storage;

namespace ChatSend.Tests.Infra;

/// <summary>
/// Every setting the options classes of the ChatSend library read, found by reflection so a new options class or
/// property is covered without touching the tests: a type with a <c>public const string Section</c> (such as
/// <c>"ChatSend:Delivery"</c>) binds each public settable property of a simple type from
/// <c>Section:Property</c>, which app settings and environment variables spell <c>ChatSend__Delivery__Property</c>.
/// </summary>
public static class OptionsSettings
{
    private static readonly HashSet<Type> SimpleTypes =
    [
        typeof(string), typeof(bool), typeof(int), typeof(long), typeof(short), typeof(double), typeof(float),
        typeof(decimal), typeof(TimeSpan),
    ];

    public static IReadOnlyList<OptionsSetting> All { get; } = Discover();

    /// <summary>Whether <paramref name="value"/> binds to the setting's property the way the configuration binder converts it.</summary>
    public static bool Binds(OptionsSetting setting, string value)
    {
        var type = Nullable.GetUnderlyingType(setting.Property.PropertyType);
        if (type is not null && value.Length == 0)
            return true;
        type ??= setting.Property.PropertyType;
        if (type == typeof(string))
            return true;
        try
        {
            return TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value) is not null;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException
                                       || ex.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static List<OptionsSetting> Discover() =>
        typeof(StorageNames).Assembly.GetTypes()
            .Select(type => (type, section: type.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.section is { IsLiteral: true } && x.section.FieldType == typeof(string))
            .SelectMany(x => x.type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetSetMethod() is not null && p.GetIndexParameters().Length == 0 && IsSimple(p.PropertyType))
                .Select(p => new OptionsSetting(x.type, (string)x.section!.GetRawConstantValue()!, p)))
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .ToList();

    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return SimpleTypes.Contains(type) || type.IsEnum;
    }
}

/// <summary>One options property and the setting that configures it.</summary>
public sealed record OptionsSetting(Type OptionsType, string Section, PropertyInfo Property)
{
    /// <summary>The app setting / environment variable name: <c>ChatSend__Delivery__MaxAttempts</c>.</summary>
    public string Key => Section.Replace(":", "__", StringComparison.Ordinal) + "__" + Property.Name;

    /// <summary>The property's default, written as a setting value (<c>00:00:02</c>, <c>5</c>, <c>true</c>).</summary>
    public string? DefaultText
    {
        get
        {
            object? value;
            try { value = Property.GetValue(Activator.CreateInstance(OptionsType)); }
            catch (MissingMethodException) { return null; }
            return value switch
            {
                null => null,
                TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
        }
    }

    public override string ToString() => $"{Key} ({OptionsType.Name}.{Property.Name}, default '{DefaultText}')";
}
