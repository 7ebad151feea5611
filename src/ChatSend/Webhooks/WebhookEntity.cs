using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;

namespace ChatSend.Webhooks;

/// <summary>
/// One row of the <c>webhooks</c> table: partition = session id, row = webhook id. The secrets are stored only as
/// <see cref="WebhookSecretCipher"/> ciphertext bound to this row.
/// </summary>
public sealed class WebhookEntity : ITableEntity
{
    public const string IdPrefix = "wh_";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Url { get; set; } = "";

    /// <summary>The event types it wants, comma-separated; empty means every type.</summary>
    public string Events { get; set; } = "";

    public bool Enabled { get; set; }
    public string? DisabledReason { get; set; }
    public DateTimeOffset? FailingSince { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public string Secret { get; set; } = "";

    /// <summary>The secret before the last rotation, still signing until <see cref="PreviousSecretUntil"/>.</summary>
    public string? PreviousSecret { get; set; }
    public DateTimeOffset? PreviousSecretUntil { get; set; }

    /// <summary><c>wh_</c> and 16 random bytes in URL-safe base64 (no padding): valid in a table key and a URL path.</summary>
    public static string NewId() => IdPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool IsId(string? id) =>
        id is { Length: 25 } && id.StartsWith(IdPrefix, StringComparison.Ordinal)
        && id.AsSpan(IdPrefix.Length).IndexOfAnyExcept(UrlSafe) < 0;

    private static readonly System.Buffers.SearchValues<char> UrlSafe =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    [System.Runtime.Serialization.IgnoreDataMember]
    public IReadOnlyList<string> EventList => Events.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Counts the times the endpoint started getting customers' received events again (its events filter or its state
    /// changed that): its place in each chat is kept per epoch, so it does not wait for events it was not given meanwhile.
    /// </summary>
    public int ChatEpoch { get; set; }

    public WebhookEndpoint ToEndpoint() => new(PartitionKey, RowKey, new Uri(Url), EventList, Enabled, FailingSince, ChatEpoch);
}
