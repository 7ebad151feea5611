using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ChatSend.Client;

/// <summary>
/// Checks that a webhook request comes from ChatSend, per Standard Webhooks: <c>webhook-signature</c> holds one or
/// more space-separated <c>v1,&lt;base64&gt;</c> signatures, each an HMAC-SHA256 of <c>{webhook-id}.{webhook-timestamp}.{body}</c>
/// with the endpoint's secret; one must match, and the timestamp must be within <see cref="Tolerance"/> of now, so an
/// old request cannot be replayed. Then reads the body as a <see cref="ChatSendEvent"/>.
/// </summary>
public sealed class WebhookVerifier
{
    /// <summary>The header with the webhook message id.</summary>
    public const string IdHeader = "webhook-id";
    /// <summary>The header with the Unix time (seconds) the request was signed.</summary>
    public const string TimestampHeader = "webhook-timestamp";
    /// <summary>The header with the signatures.</summary>
    public const string SignatureHeader = "webhook-signature";

    private const string SecretPrefix = "whsec_";
    private const string SignaturePrefix = "v1,";

    private readonly byte[][] _keys;
    private readonly TimeProvider _time;

    /// <summary>A verifier for one endpoint secret (<c>whsec_&lt;base64&gt;</c>, as ChatSend shows it when the webhook is created).</summary>
    public WebhookVerifier(string secret, TimeProvider? time = null) : this([secret], time)
    {
    }

    /// <summary>A verifier that accepts a signature by any of <paramref name="secrets"/>, as during a rotation.</summary>
    public WebhookVerifier(IEnumerable<string> secrets, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _keys = secrets.Select(Key).ToArray();
        if (_keys.Length == 0)
            throw new ArgumentException("At least one webhook secret is required.", nameof(secrets));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How far the signing time may be from now, either way: 5 minutes.</summary>
    public static TimeSpan Tolerance { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Verifies a request, reading its headers through <paramref name="header"/> (such as <c>name => Request.Headers[name]</c>).</summary>
    /// <exception cref="WebhookVerificationException">The request is not a genuine, fresh ChatSend event.</exception>
    public ChatSendEvent Verify(Func<string, string?> header, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Verify(header, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Verifies a request from its raw body bytes, reading its headers through <paramref name="header"/>.</summary>
    /// <exception cref="WebhookVerificationException">The request is not a genuine, fresh ChatSend event.</exception>
    public ChatSendEvent Verify(Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(header);
        return Verify(header(IdHeader), header(TimestampHeader), header(SignatureHeader), body);
    }

    /// <summary>Verifies a request given its three headers and raw body, and reads the event.</summary>
    /// <exception cref="WebhookVerificationException">The request is not a genuine, fresh ChatSend event.</exception>
    public ChatSendEvent Verify(string? id, string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        VerifySignature(id, timestamp, signature, body);
        try
        {
            var cloudEvent = JsonSerializer.Deserialize(body, ClientJson.Default.ChatSendEvent);
            if (cloudEvent is { SpecVersion: "1.0", Id.Length: > 0, Type.Length: > 0, Source.Length: > 0 })
                return cloudEvent;
        }
        catch (JsonException ex)
        {
            throw new WebhookVerificationException("The webhook body is not a CloudEvent.", ex);
        }
        throw new WebhookVerificationException("The webhook body is not a CloudEvent 1.0 (specversion, id, type and source are required).");
    }

    /// <summary>Checks the signature and timestamp only, for any payload.</summary>
    /// <exception cref="WebhookVerificationException">A header is missing, the timestamp is out of tolerance, or no signature matches.</exception>
    public void VerifySignature(string? id, string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
            throw new WebhookVerificationException($"The {IdHeader}, {TimestampHeader} and {SignatureHeader} headers are required.");
        CheckTimestamp(timestamp);
        var signed = new byte[Encoding.UTF8.GetByteCount(id) + timestamp.Length + 2 + body.Length];
        var written = Encoding.UTF8.GetBytes($"{id}.{timestamp}.", signed);
        body.CopyTo(signed.AsSpan(written));
        foreach (var key in _keys)
        {
            var expected = HMACSHA256.HashData(key, signed);
            if (signature.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(s => Matches(s, expected)))
                return;
        }
        throw new WebhookVerificationException("No webhook signature matches.");
    }

    private void CheckTimestamp(string timestamp)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw new WebhookVerificationException($"The {TimestampHeader} header is not a Unix time in seconds.");
        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age > Tolerance)
            throw new WebhookVerificationException("The webhook is too old (signed over 5 minutes ago).");
        if (age < -Tolerance)
            throw new WebhookVerificationException("The webhook timestamp is too far in the future.");
    }

    private static bool Matches(string candidate, byte[] expected)
    {
        if (!candidate.StartsWith(SignaturePrefix, StringComparison.Ordinal))
            return false;
        Span<byte> given = stackalloc byte[64];
        return Convert.TryFromBase64String(candidate[SignaturePrefix.Length..], given, out var length)
               && CryptographicOperations.FixedTimeEquals(given[..length], expected);
    }

    private static byte[] Key(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var base64 = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException("A webhook secret is whsec_ followed by base64.", nameof(secret), ex);
        }
    }
}
