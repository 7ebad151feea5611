using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Serialization;

namespace ChatSend;

/// <summary>
/// The wire names of a closed set, read once from its <see cref="JsonStringEnumMemberNameAttribute"/>s, so JSON and
/// table rows spell each value the same way and the names are written in one place.
/// </summary>
public static class WireNames<TEnum> where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Names = Enum.GetValues<TEnum>().ToFrozenDictionary(
        value => value,
        value => typeof(TEnum).GetField(value.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                 ?? throw new InvalidOperationException($"{typeof(TEnum).Name}.{value} has no wire name."));

    private static readonly FrozenDictionary<string, TEnum> Values =
        Names.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    public static string Of(TEnum value) => Names[value];

    public static bool TryParse([NotNullWhen(true)] string? name, out TEnum value)
    {
        value = default;
        return name is not null && Values.TryGetValue(name, out value);
    }

    public static TEnum Parse(string name) =>
        TryParse(name, out var value) ? value : throw new InvalidDataException($"Unknown {typeof(TEnum).Name} '{name}'.");
}
