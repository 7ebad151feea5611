using System.ComponentModel.DataAnnotations;
using System.Globalization;
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
/// The provider for local runs: accepts every send and, like a real network's webhooks, later reports
/// <c>delivered</c> and then <c>read</c> on the receipts queue. A session may set <c>deliveredAfterSeconds</c>
/// and <c>readAfterSeconds</c> in its provider settings.
/// </summary>
public sealed class SandboxProvider(ReceiptQueue receipts, IOptions<SandboxOptions> options) : IChannelProvider
{
    public const string ProviderName = "sandbox";

    public string Name => ProviderName;

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        var providerId = $"sandbox-{Guid.NewGuid():N}";
        var delivered = Setting(session, "deliveredAfterSeconds") ?? options.Value.DeliveredAfter;
        var read = Setting(session, "readAfterSeconds") ?? options.Value.ReadAfter;
        await receipts.EnqueueAsync(new Receipt(message.Id, "delivered", ProviderMessageId: providerId), delivered, cancellationToken);
        await receipts.EnqueueAsync(new Receipt(message.Id, "read", ProviderMessageId: providerId), read < delivered ? delivered : read, cancellationToken);
        return new ProviderReceipt(providerId);
    }

    private static TimeSpan? Setting(Session session, string name) =>
        session.ProviderSettings.TryGetValue(name, out var value)
        && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
