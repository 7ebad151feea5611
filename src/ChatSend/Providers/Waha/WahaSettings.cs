using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers.Waha;

/// <summary>A <c>waha</c> session's settings and secrets.</summary>
[Secret(ApiKey, SecretUse.Sending, "WAHA's API key, sent as `X-Api-Key`")]
[Secret(WebhookHmacKey, SecretUse.Callbacks, "the HMAC key WAHA signs its callbacks with (random, 32+ bytes)")]
public sealed class WahaSettings : ProviderSettings
{
    public const string ApiKey = "apiKey";
    public const string WebhookHmacKey = "webhookHmacKey";

    [Required, HttpUrl, Description("the WAHA server's `http(s)` address")]
    public Uri? BaseUrl { get; set; }

    [Description("WAHA's own session name"), DefaultText("the ChatSend session id")]
    public string? WahaSession { get; set; }
}
