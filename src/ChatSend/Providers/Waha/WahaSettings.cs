using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers.Waha;

/// <summary>A <c>waha</c> session's settings and secrets.</summary>
[Secret("apiKey", "WAHA's API key, sent as X-Api-Key")]
[Secret("webhookHmacKey", "the HMAC key WAHA signs its callbacks with (X-Webhook-Hmac, SHA-512)")]
public sealed class WahaSettings : ProviderSettings
{
    [Required, HttpUrl, Description("the WAHA server's address")]
    public Uri? BaseUrl { get; set; }

    [Description("the WAHA session's name; the ChatSend session id when absent")]
    public string? WahaSession { get; set; }
}
