using System.Security.Cryptography;
using ChatSend.Webhooks;

namespace ChatSend.Tests.Infrastructure;

/// <summary>Keys the test hosts configure: random for each test run, one for the whole run so instances over one Azurite agree.</summary>
public static class TestKeys
{
    public const string WebhookSecretsKeySetting = "ChatSend:Secrets:" + WebhookOptions.DefaultSecretKeyName;

    public static string WebhookSecretsKey { get; } = NewKey();

    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
