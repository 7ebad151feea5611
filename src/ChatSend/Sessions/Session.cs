using System.Text.RegularExpressions;

namespace ChatSend.Sessions;

/// <summary>
/// A registered sender account: which number sends, and through which channel provider. <see cref="SecretNames"/>
/// maps a provider's secret (<c>accessToken</c>) to the name of a secret in configuration, never its value.
/// <see cref="Partitions"/> is how many partitions of the messages table its chats are spread over
/// (<see cref="Messages.MessagePartitions"/>): set when the session is created, never changed after.
/// </summary>
public sealed record Session(
    string Id,
    string SenderPhone,
    string Provider,
    IReadOnlyDictionary<string, string> ProviderSettings,
    bool Enabled,
    IReadOnlyDictionary<string, string>? SecretNames = null)
{
    /// <summary>1 for sessions stored before sessions had partitions.</summary>
    public int Partitions { get; init; } = 1;

    public string? Setting(string name) => ProviderSettings.GetValueOrDefault(name);
}

public static partial class SessionId
{
    public const string Rule = "1 to 64 letters, digits, '-' or '_'";

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex Pattern();
}
