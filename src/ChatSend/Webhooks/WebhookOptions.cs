using System.ComponentModel.DataAnnotations;

namespace ChatSend.Webhooks;

/// <summary><c>ChatSend:Webhooks</c>: the customer webhook registry and what delivery to those webhooks may take.</summary>
public sealed class WebhookOptions
{
    public const string Section = "ChatSend:Webhooks";

    public const string DefaultSecretKeyName = "webhook_secrets_key";

    /// <summary>
    /// The name of the key that encrypts webhook secrets: its value (32 random bytes, base64) is read from
    /// <c>ChatSend:Secrets:&lt;name&gt;</c>, a Key Vault reference in Azure. Letters, digits and '_', as an app setting name allows.
    /// </summary>
    [Required, RegularExpression("^[A-Za-z0-9_]{1,127}$")]
    public string SecretKeyName { get; set; } = DefaultSecretKeyName;

    /// <summary>How many of an endpoint's recent delivery attempts the log keeps and the listing shows.</summary>
    [Range(1, 200)]
    public int LogSize { get; set; } = 20;

    /// <summary>How long the previous secret still signs after a rotation.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan RotationGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Allows <c>http</c> webhook URLs besides <c>https</c>: for local runs and tests only.</summary>
    public bool AllowHttp { get; set; }

    [Range(1, 100)]
    public int MaxPerSession { get; set; } = 10;

    /// <summary>One delivery request to an endpoint, connection to answer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long delivery keeps retrying an event before it gives up on it.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);
}
