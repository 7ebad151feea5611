using ChatSend.Messages;
using ChatSend.Providers.Settings;
using ChatSend.Send;
using ChatSend.Sessions;

namespace ChatSend.Providers;

/// <summary>A chat network ChatSend delivers through. Sessions name their provider.</summary>
public interface IChannelProvider
{
    string Name { get; }

    /// <summary>What it can send, checked when a message is accepted so a client hears "no" at once, not minutes later.</summary>
    ProviderCapabilities Capabilities { get; }

    /// <summary>The settings and secrets a session on this provider takes, checked before a session is stored.</summary>
    ProviderSettingsSchema Settings => ProviderSettingsSchema.Common;

    /// <summary>
    /// What else is wrong with a session about to be stored, beyond its settings' own rules (another session has its
    /// phone number); checked after <see cref="ProviderSettingsSchema.Validate"/> passed.
    /// </summary>
    Task<IReadOnlyList<SettingError>> CheckAsync(Session session, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SettingError>>([]);

    /// <summary>
    /// Whether its status reports name only its own id for a message, so that id is indexed when it answers a send
    /// (<see cref="ProviderMessageIndex"/>); false for a provider whose reports carry ChatSend's message id.
    /// </summary>
    bool ReportsByProviderId => true;

    /// <summary>Pacing when the session sets none (<c>maxPerMinute</c>, <c>minRecipientGapSeconds</c>).</summary>
    Delivery.PacingDefaults Pacing => Delivery.PacingDefaults.None;

    /// <summary>
    /// <c>windowPolicy</c> when the session sets none: <c>enforce</c> where the provider itself refuses free-form messages
    /// outside the 24-hour window (the Cloud API), <c>off</c> elsewhere (<see cref="Chats.ChatWindows"/>).
    /// </summary>
    string DefaultWindowPolicy => Chats.ChatWindows.Off;

    /// <summary>
    /// The gateway's own state of this session, asked live (a self-hosted gateway: working, waiting for a QR scan,
    /// failed), or null for providers that have none.
    /// </summary>
    Task<ProviderSessionState?> GetStateAsync(Session session, CancellationToken cancellationToken) =>
        Task.FromResult<ProviderSessionState?>(null);

    /// <summary>
    /// Sends the message and returns the provider's id for it. Throws <see cref="ProviderException"/> when the
    /// provider refuses or fails. The message id doubles as an idempotency key for providers that take one,
    /// since a job may run twice.
    /// </summary>
    Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a customer's message read at the provider, so the customer sees it read. Throws
    /// <see cref="ProviderException"/> when the provider refuses or fails. Called only for a provider whose
    /// <see cref="ProviderCapabilities.MarkRead"/> is true; the others refuse.
    /// </summary>
    Task MarkReadAsync(ReceivedMessage message, Session session, CancellationToken cancellationToken) =>
        throw new ProviderException($"provider {Name} does not mark messages read", transient: false);

    /// <summary>
    /// Asks the provider whether <paramref name="phone"/> (E.164) has a WhatsApp account. Throws
    /// <see cref="ProviderException"/> when the provider refuses or fails. Called only for a provider whose
    /// <see cref="ProviderCapabilities.NumberCheck"/> is true, through <see cref="NumberCheck"/> (which caches the answer
    /// and turns a failure into "unknown"); the others refuse.
    /// </summary>
    Task<bool> IsOnWhatsAppAsync(Session session, string phone, CancellationToken cancellationToken) =>
        throw new ProviderException($"provider {Name} has no number check", transient: false);

    /// <summary>
    /// The session's template catalogue, every status; <paramref name="refresh"/> asks past any cache. Called only for a
    /// provider whose <see cref="ProviderCapabilities.Templates"/> is true. Throws <see cref="ProviderException"/> when it
    /// cannot be read.
    /// </summary>
    Task<IReadOnlyList<Templates.MessageTemplate>> GetTemplatesAsync(Session session, bool refresh, CancellationToken cancellationToken) =>
        throw new ProviderException($"provider {Name} has no templates", transient: false);
}

/// <summary>A message as a provider sends it. <see cref="Text"/> is the caption when there is <see cref="Media"/>.</summary>
public sealed record OutboundMessage(
    MessageId Id,
    MessageType Type,
    string Sender,
    string Recipient,
    string? Text,
    IReadOnlyDictionary<string, string>? Preview,
    OutboundMedia? Media = null)
{
    /// <summary>The provider's id of the message this one quotes (<c>replyTo</c>), shown above it as a reply.</summary>
    public string? QuotedProviderId { get; init; }

    /// <summary>For a <see cref="MessageType.Template"/>: the template and its values; <see cref="Media"/> is its header's file.</summary>
    public Templates.SendTemplate? Template { get; init; }
}

/// <summary>
/// A customer's message as a provider marks it read: the provider's id for it, its chat (the customer or the group) and
/// its sender (in a group, the participant), each an E.164 number, a group JID or the provider's opaque id.
/// </summary>
public sealed record ReceivedMessage(MessageId Id, string ProviderMessageId, string Chat, string Sender);

/// <summary>Staged media: a short-lived read-only URL to download it from, and what the file is.</summary>
public sealed record OutboundMedia(Uri Url, string MimeType, string FileName, long Length, string Sha256);

public sealed record ProviderReceipt(string ProviderMessageId);

/// <summary>What a gateway says of its session: its own status word and, when it needs an operator, what to do.</summary>
public sealed record ProviderSessionState(
    [property: System.Text.Json.Serialization.JsonPropertyName("status")] string Status,
    [property: System.Text.Json.Serialization.JsonPropertyName("detail")] string? Detail = null);

/// <summary>A provider failure. Transient ones are retried with backoff; permanent ones end the message <c>failed</c>.</summary>
public sealed class ProviderException(string reason, bool transient, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(reason, inner)
{
    /// <summary>A type only customers send (a sticker, a location…): <c>/send</c> never makes one, so none reaches a provider.</summary>
    public static ProviderException NotSendable(MessageType type) => new($"ChatSend does not send {type.ToWire()} messages", transient: false);

    public bool IsTransient { get; } = transient;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The provider refused a free-form message as outside the chat's 24-hour window: the chat's window is closed.</summary>
    public bool ClosesWindow { get; init; }
}

/// <summary>The registered providers by name.</summary>
public sealed class ChannelProviders(IEnumerable<IChannelProvider> providers)
{
    private readonly Dictionary<string, IChannelProvider> _byName =
        providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public IChannelProvider? Find(string name) => _byName.GetValueOrDefault(name);

    public IEnumerable<string> Names => _byName.Keys;
}
