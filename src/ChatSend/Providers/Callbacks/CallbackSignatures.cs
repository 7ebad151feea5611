using System.Security.Cryptography;
using System.Text;

namespace ChatSend.Providers.Callbacks;

/// <summary>The comparisons providers' callbacks are verified with, all in constant time.</summary>
public static class CallbackSignatures
{
    /// <summary>Two texts (tokens), equal or not in the same time whatever their lengths: both are hashed first.</summary>
    public static bool SameText(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));

    /// <summary>Whether <paramref name="hex"/> is the hex HMAC of <paramref name="body"/> with <paramref name="key"/>.</summary>
    public static bool HexHmacMatches(HashAlgorithmName algorithm, string key, byte[] body, string hex)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var expected = algorithm == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(keyBytes, body)
            : algorithm == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(keyBytes, body)
            : throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "SHA-256 or SHA-512");
        if (hex.Length != expected.Length * 2)
            return false;
        byte[] given;
        try
        {
            given = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
