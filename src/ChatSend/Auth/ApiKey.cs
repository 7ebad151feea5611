using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatSend.Auth;

/// <summary>
/// API keys look like <c>cs_&lt;key id&gt;_&lt;secret&gt;</c>: the id locates the stored hash with one point read,
/// the 256-bit secret makes the key unguessable. Only the SHA-256 of the whole key is stored.
/// </summary>
public static partial class ApiKey
{
    public static (string KeyId, string Key) Generate()
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return (keyId, $"cs_{keyId}_{secret}");
    }

    public static bool TryParse(string? key, out string keyId)
    {
        var match = key is null ? Match.Empty : Format().Match(key);
        keyId = match.Success ? match.Groups[1].Value : "";
        return match.Success;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    [GeneratedRegex("^cs_([0-9a-f]{16})_[0-9a-f]{64}$")]
    private static partial Regex Format();
}

/// <summary>What an authenticated key may do: send for the sessions in its scope.</summary>
public sealed record ApiKeyScope(string KeyId, IReadOnlySet<string> Sessions, bool AllSessions)
{
    public const string All = "*";

    public bool Covers(string sessionId) => AllSessions || Sessions.Contains(sessionId);

    public static ApiKeyScope Parse(string keyId, string? sessions)
    {
        var list = (sessions ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ApiKeyScope(keyId, list.Where(s => s != All).ToHashSet(StringComparer.Ordinal), list.Contains(All));
    }
}
