using System.Security.Cryptography;
using System.Text;

namespace ChatSend.Webhooks;

/// <summary>
/// Standard Webhooks signatures (standardwebhooks.com): <c>v1,&lt;base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")&gt;</c>,
/// where the key is the Base64 after <c>whsec_</c>; one per secret, space-separated, so a receiver still verifies
/// with its old secret during a rotation.
/// </summary>
public static class WebhookSigner
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>The <c>webhook-signature</c> value for <paramref name="body"/>, signed with each of <paramref name="secrets"/> in order.</summary>
    public static string Sign(string id, long timestamp, string body, IEnumerable<string> secrets)
    {
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}");
        return string.Join(' ', secrets.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), content))));
    }

    public static byte[] KeyOf(string secret) =>
        Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
}
