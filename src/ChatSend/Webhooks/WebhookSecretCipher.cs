using System.Security.Cryptography;
using System.Text;
using ChatSend.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

/// <summary>
/// Envelope encryption of webhook secrets for the <c>webhooks</c> table. Each secret gets its own random data key,
/// which encrypts it with AES-GCM; the data key is wrapped with AES-GCM under the key-encryption key read from
/// <c>ChatSend:Secrets:&lt;SecretKeyName&gt;</c> (a Key Vault reference in Azure). Both are bound to the session and
/// webhook id as associated data, so a ciphertext copied to another row does not decrypt. The stored text names the key
/// and its fingerprint (<c>v1.&lt;key name&gt;.&lt;fingerprint&gt;.&lt;payload&gt;</c>): a new key under a new name
/// can take over while the old name still decrypts what it wrapped.
/// </summary>
public sealed class WebhookSecretCipher(IConfiguration configuration, IOptions<WebhookOptions> options)
{
    public const string SecretPrefix = "whsec_";
    private const string Version = "v1";
    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>A new secret: <c>whsec_</c> and the base64 of 32 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>What to set before webhooks can be registered, or null when the current key is usable.</summary>
    public string? KeyProblem => TryKey(options.Value.SecretKeyName, out _, out var problem) ? null : problem;

    public string Encrypt(string secret, string session, string webhookId)
    {
        var name = options.Value.SecretKeyName;
        var kek = Key(name);
        var dek = RandomNumberGenerator.GetBytes(KeyBytes);
        try
        {
            var keyId = $"{name}.{Fingerprint(kek)}";
            var wrapped = Seal(kek, dek, WrapData(keyId, session, webhookId));
            var sealedSecret = Seal(dek, Encoding.UTF8.GetBytes(secret), SecretData(session, webhookId));
            return $"{Version}.{keyId}.{Convert.ToBase64String([.. wrapped, .. sealedSecret])}";
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
        }
    }

    /// <exception cref="WebhookKeyUnavailableException">the key it names is not configured, or is not the key it was wrapped with</exception>
    /// <exception cref="WebhookSecretException">the text is not a sealed secret of this webhook</exception>
    public string Decrypt(string stored, string session, string webhookId)
    {
        var parts = stored.Split('.');
        byte[] payload = [];
        if (parts is not [Version, _, _, _] || !TryBase64(parts[3], out payload) || payload.Length < 2 * (NonceBytes + TagBytes) + KeyBytes)
            throw new WebhookSecretException($"The stored secret of webhook {webhookId} is not in a known format.", null);
        var kek = Key(parts[1]);
        if (Fingerprint(kek) != parts[2])
            throw new WebhookKeyUnavailableException(
                $"The secret of webhook {webhookId} was encrypted with another value of {ProviderSecrets.Section}:{parts[1]}; restore that value (a new key takes a new name).");
        var keyId = $"{parts[1]}.{parts[2]}";
        var wrappedLength = NonceBytes + KeyBytes + TagBytes;
        try
        {
            var dek = Open(kek, payload.AsSpan(0, wrappedLength), WrapData(keyId, session, webhookId));
            try
            {
                return Encoding.UTF8.GetString(Open(dek, payload.AsSpan(wrappedLength), SecretData(session, webhookId)));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dek);
            }
        }
        catch (CryptographicException ex)
        {
            throw new WebhookSecretException($"The stored secret of webhook {webhookId} does not decrypt for this row (moved or altered).", ex);
        }
    }

    private byte[] Key(string name) =>
        TryKey(name, out var key, out var problem) ? key : throw new WebhookKeyUnavailableException(problem);

    private bool TryKey(string name, out byte[] key, out string problem)
    {
        var setting = $"{ProviderSecrets.Section}:{name}";
        problem = "";
        if (TryBase64(configuration[setting], out key) && key.Length == KeyBytes)
            return true;
        problem = $"Webhook secrets cannot be encrypted: set {setting} (ChatSend__Secrets__{name}; a Key Vault reference in Azure) " +
                  "to 32 random bytes in base64, e.g. the output of 'openssl rand -base64 32'.";
        return false;
    }

    private static bool TryBase64(string? text, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var buffer = new byte[text.Length];
        if (!Convert.TryFromBase64String(text.Trim(), buffer, out var written))
            return false;
        bytes = buffer[..written];
        return true;
    }

    /// <summary>Names a key without revealing it, so a decrypt with another value under the same name fails clearly.</summary>
    private static string Fingerprint(byte[] key) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, "chatsend webhook key id"u8)[..8]);

    private static byte[] WrapData(string keyId, string session, string webhookId) =>
        Encoding.UTF8.GetBytes($"chatsend/webhook-data-key/{Version}\n{keyId}\n{session}\n{webhookId}");

    private static byte[] SecretData(string session, string webhookId) =>
        Encoding.UTF8.GetBytes($"chatsend/webhook-secret/{Version}\n{session}\n{webhookId}");

    /// <summary>nonce | ciphertext | tag</summary>
    private static byte[] Seal(byte[] key, byte[] plaintext, byte[] associatedData)
    {
        var output = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceBytes, plaintext.Length), output.AsSpan(NonceBytes + plaintext.Length), associatedData);
        return output;
    }

    private static byte[] Open(byte[] key, ReadOnlySpan<byte> sealedData, byte[] associatedData)
    {
        var plaintext = new byte[sealedData.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedData[..NonceBytes], sealedData[NonceBytes..^TagBytes], sealedData[^TagBytes..], plaintext, associatedData);
        return plaintext;
    }
}

/// <summary>The key-encryption key is missing, malformed, or not the one a secret was encrypted with: a configuration fault.</summary>
public sealed class WebhookKeyUnavailableException(string message) : InvalidOperationException(message);

/// <summary>A stored secret that cannot be decrypted for its row: moved from another row, altered, or not ours.</summary>
public sealed class WebhookSecretException(string message, Exception? inner) : Exception(message, inner);
