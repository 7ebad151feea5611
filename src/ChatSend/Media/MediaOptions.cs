using System.ComponentModel.DataAnnotations;

namespace ChatSend.Media;

/// <summary><c>ChatSend:Media</c>: fetch limits, timeouts, the private-network guard and the SAS hand-off.</summary>
public sealed class MediaOptions : IValidatableObject
{
    public const string Section = "ChatSend:Media";

    /// <summary>16 MB, the contract's limit.</summary>
    public const long DefaultMaxBytes = 16 * 1024 * 1024;

    [Range(1, 2L * 1024 * 1024 * 1024)]
    public long ImageMaxBytes { get; set; } = DefaultMaxBytes;

    [Range(1, 2L * 1024 * 1024 * 1024)]
    public long VideoMaxBytes { get; set; } = DefaultMaxBytes;

    [Range(1, 2L * 1024 * 1024 * 1024)]
    public long DocumentMaxBytes { get; set; } = DefaultMaxBytes;

    [Range(1, 2L * 1024 * 1024 * 1024)]
    public long PttMaxBytes { get; set; } = DefaultMaxBytes;

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The whole fetch: redirects, headers and body.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Comma-separated CIDR ranges of private or reserved addresses media may be fetched from anyway, or <c>*</c> for
    /// all. Empty (the default) refuses them all. Meant for local runs and tests, never for a public deployment.
    /// </summary>
    public string AllowedPrivateNetworks { get; set; } = "";

    /// <summary>How long the read-only SAS URL handed to a provider stays valid; a new one is made for each attempt.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan SasValidity { get; set; } = TimeSpan.FromHours(1);

    public long MaxBytesFor(Send.MessageType type) => type switch
    {
        Send.MessageType.Image or Send.MessageType.Sticker => ImageMaxBytes,
        Send.MessageType.Video => VideoMaxBytes,
        Send.MessageType.Ptt or Send.MessageType.Audio => PttMaxBytes,
        Send.MessageType.Document => DocumentMaxBytes,
        Send.MessageType.Text or Send.MessageType.Location or Send.MessageType.Contacts or Send.MessageType.Reaction
            or Send.MessageType.Button or Send.MessageType.Unsupported or Send.MessageType.Template
            => throw new ArgumentOutOfRangeException(nameof(type), type, "no media"),
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!AddressGuard.TryParseNetworks(AllowedPrivateNetworks, out _))
            yield return new ValidationResult("AllowedPrivateNetworks must be '*' or comma-separated CIDR ranges such as 127.0.0.0/8.",
                [nameof(AllowedPrivateNetworks)]);
    }
}
