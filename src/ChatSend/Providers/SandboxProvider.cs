using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Azure.Data.Tables;
using ChatSend.Messages;
using ChatSend.Providers.Settings;
using ChatSend.Send;
using ChatSend.Storage;
using ChatSend.Receipts;
using ChatSend.Sessions;
using Microsoft.Extensions.Options;

namespace ChatSend.Providers;

/// <summary><c>ChatSend:Sandbox</c>: how soon the sandbox reports delivered and read.</summary>
public sealed class SandboxOptions
{
    public const string Section = "ChatSend:Sandbox";

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DeliveredAfter { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReadAfter { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The provider for local runs: accepts every send and, like a real network's callbacks, later reports
/// <c>delivered</c> and then <c>read</c> on the receipts queue, and with <see cref="SandboxSettings.ReplyAfterSeconds"/> has
/// the recipient answer with an echo (<see cref="SandboxEcho"/>); its pretend customers also write first
/// (<see cref="SandboxInboundHandler"/>). Media it downloads from the link it is given, as a
/// real network would, and refuses when the bytes do not hash to what was staged. Each message it takes is recorded
/// in the <c>sandbox</c> table (partition: message id), as a network keeps its own log. A session may set how soon it
/// reports (<see cref="SandboxSettings"/>).
/// </summary>
public sealed class SandboxProvider(ReceiptQueue receipts, IHttpClientFactory httpClients, StorageClients storage, TimeProvider time,
    IOptions<SandboxOptions> options) : IChannelProvider
{
    private readonly TableClient _calls = storage.Table(StorageNames.SandboxTable);

    public const string ProviderName = "sandbox";
    public const string HttpClientName = "ChatSend.Sandbox";

    public string Name => ProviderName;

    /// <summary>Every type a real provider sends, to phone numbers and groups, with custom previews, and its customers' files: what a demo needs.</summary>
    public static ProviderCapabilities Supported { get; } = new(
        new HashSet<MessageType> { MessageType.Text, MessageType.Image, MessageType.Video, MessageType.Document, MessageType.Ptt },
        Groups: true, Preview: true) { Templates = true, Replies = true, MarkRead = true, InboundMedia = true };

    public ProviderCapabilities Capabilities => Supported;

    public ProviderSettingsSchema Settings => ProviderSettingsSchema.Of<SandboxSettings>();

    public bool ReportsByProviderId => false; // its receipts carry the message id

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        if (message.Media is { } media)
            await CheckMediaAsync(media, cancellationToken);
        var providerId = $"sandbox-{Guid.NewGuid():N}";
        // The network's own record of the send: one row per call, so a message sent twice shows twice.
        var call = new TableEntity(message.Id.Value, providerId) { ["SentAt"] = time.GetUtcNow() };
        if (message.QuotedProviderId is { } quoted)
            call["QuotedProviderId"] = quoted; // shown quoted, as a network would
        await _calls.AddFreshAsync(call, cancellationToken);
        var settings = ProviderSettingsSchema.Read<SandboxSettings>(session);
        var delivered = Seconds(settings.DeliveredAfterSeconds) ?? options.Value.DeliveredAfter;
        var read = Seconds(settings.ReadAfterSeconds) ?? options.Value.ReadAfter;
        // One put: delivered, and read queued by the receipt handler once delivered is applied, as a network reports them.
        await receipts.EnqueueAsync(new Receipt(message.Id, MessageStatus.Delivered, ProviderMessageId: providerId,
            Next: MessageStatus.Read, NextAfter: read > delivered ? read - delivered : TimeSpan.Zero), delivered, cancellationToken);
        // The recipient's answer is queued now, hidden until it is due, so it comes whatever happens to this process.
        if (Seconds(settings.ReplyAfterSeconds) is { } reply)
            await receipts.EnqueueAsync(SandboxEcho.ReceiptFor(message.Id, providerId), reply, cancellationToken);
        return new ProviderReceipt(providerId);
    }

    /// <summary>The catalogue of the session's <c>templates</c> setting: local runs and tests have templates without Meta.</summary>
    public Task<IReadOnlyList<Templates.MessageTemplate>> GetTemplatesAsync(Session session, bool refresh, CancellationToken cancellationToken) =>
        Task.FromResult(ProviderSettingsSchema.Read<SandboxSettings>(session).Catalog());

    /// <summary>There is no network to tell: marking a customer's message read changes only ChatSend's row.</summary>
    public Task MarkReadAsync(ReceivedMessage message, Session session, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task CheckMediaAsync(OutboundMedia media, CancellationToken cancellationToken)
    {
        string sha256;
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName)
                .GetAsync(media.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new ProviderException($"media download answered {(int)response.StatusCode}", transient: (int)response.StatusCode >= 500);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(body, cancellationToken));
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"media download failed: {ex.Message}", transient: true, inner: ex);
        }
        if (sha256 != media.Sha256)
            throw new ProviderException("media download does not match the staged file (SHA-256 differs)", transient: false);
    }

    private static TimeSpan? Seconds(double? seconds) => seconds is { } value ? TimeSpan.FromSeconds(value) : null;
}
