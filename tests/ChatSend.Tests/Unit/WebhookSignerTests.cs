using Microsoft.AspNetCore.Http;
using System.Security.Cryptography;
using ChatSend.Webhooks;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace ChatSend.Tests.Unit;

public sealed class WebhookSignerTests
{
    // The Standard Webhooks libraries' published vector (libraries/*/tests, "verifyWebhookSignWorks").
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorPayload = "{\"test\": 2432232314}";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void SignatureMatchesTheStandardWebhooksPublishedVector() =>
        Assert.Equal(VectorSignature, WebhookSigner.Sign(VectorId, VectorTimestamp, VectorPayload, [VectorSecret]));

    [Fact]
    public void ASecretWithoutItsPrefixSignsTheSame() =>
        Assert.Equal(VectorSignature, WebhookSigner.Sign(VectorId, VectorTimestamp, VectorPayload, [VectorSecret["whsec_".Length..]]));

    [Fact]
    public void TwoSecretsGiveTwoSpaceSeparatedSignaturesEachVerifyingWithItsOwnSecret()
    {
        var other = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const string body = """{"specversion":"1.0","id":"msg_s_1:read"}""";
        var header = WebhookSigner.Sign("msg_s_1:read", now, body, [other, VectorSecret]);

        var parts = header.Split(' ');
        Assert.Equal(2, parts.Length);
        Assert.All(parts, p => Assert.StartsWith("v1,", p));
        // Each signature on its own, as StandardWebhooks 1.1.2 checks every signature of a list but the last.
        foreach (var (signature, secret) in parts.Zip([other, VectorSecret]))
        {
            var headers = new HeaderDictionary
            {
                ["webhook-id"] = "msg_s_1:read", ["webhook-timestamp"] = now.ToString(), ["webhook-signature"] = signature,
            };
            new StandardWebhook(secret).Verify(body, headers); // throws when the signature does not match
        }
    }

    [Fact]
    public void ASignatureForAnotherBodyDoesNotVerify()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = VectorId, ["webhook-timestamp"] = now.ToString(),
            ["webhook-signature"] = WebhookSigner.Sign(VectorId, now, VectorPayload, [VectorSecret]),
        };
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(VectorSecret).Verify(VectorPayload + " ", headers));
    }
}
