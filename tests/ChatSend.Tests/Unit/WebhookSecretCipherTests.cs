using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ChatSend.Tests.Unit;

/// <summary>Envelope encryption of webhook secrets: bound to its row, tamper-evident, never the plain secret.</summary>
public sealed class WebhookSecretCipherTests
{
    private static WebhookSecretCipher Cipher(string? key = null) => new(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [TestKeys.WebhookSecretsKeySetting] = key ?? TestKeys.WebhookSecretsKey }).Build(),
        Options.Create(new WebhookOptions()));

    [Fact]
    public void ASecretRoundTripsForItsOwnRowOnly()
    {
        var secret = WebhookSecretCipher.NewSecret();
        var stored = Cipher().Encrypt(secret, "s1", "wh_a");

        Assert.Equal(secret, Cipher().Decrypt(stored, "s1", "wh_a"));
        Assert.Throws<WebhookSecretException>(() => Cipher().Decrypt(stored, "s2", "wh_a"));
        Assert.Throws<WebhookSecretException>(() => Cipher().Decrypt(stored, "s1", "wh_b"));
    }

    [Fact]
    public void EachEncryptionIsDifferentAndAlteredCiphertextFails()
    {
        var secret = WebhookSecretCipher.NewSecret();
        var first = Cipher().Encrypt(secret, "s1", "wh_a");
        var second = Cipher().Encrypt(secret, "s1", "wh_a");
        Assert.NotEqual(first, second);

        var payload = Convert.FromBase64String(first[(first.LastIndexOf('.') + 1)..]);
        payload[^1] ^= 1;
        var altered = first[..(first.LastIndexOf('.') + 1)] + Convert.ToBase64String(payload);
        Assert.Throws<WebhookSecretException>(() => Cipher().Decrypt(altered, "s1", "wh_a"));
        Assert.Throws<WebhookSecretException>(() => Cipher().Decrypt("whsec_plain", "s1", "wh_a"));
    }

    [Fact]
    public void NewSecretsAre32RandomBytesAfterThePrefix()
    {
        var secrets = Enumerable.Range(0, 50).Select(_ => WebhookSecretCipher.NewSecret()).ToList();
        Assert.All(secrets, s => Assert.Equal(32, Convert.FromBase64String(s["whsec_".Length..]).Length));
        Assert.Equal(secrets.Count, secrets.Distinct().Count());
    }

    [Fact]
    public void AMissingKeyIsReportedWithWhatToSetAndNeverTheValue()
    {
        Assert.Null(Cipher().KeyProblem);
        Assert.Contains("ChatSend:Secrets:webhook_secrets_key", Cipher("").KeyProblem);
        var tooShort = Convert.ToBase64String(new byte[16]);
        Assert.DoesNotContain(tooShort, Cipher(tooShort).KeyProblem);
        Assert.Throws<WebhookKeyUnavailableException>(() => Cipher("").Encrypt("whsec_x", "s1", "wh_a"));
    }
}
