using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers.Evolution;

/// <summary>An <c>evolution</c> session's settings and secrets.</summary>
[Secret(ApiKey, SecretUse.Sending, "the global or instance API key, sent as the `apikey` header")]
[Secret(WebhookToken, SecretUse.Callbacks, "any long random string, given back by Evolution on every callback (`?token=` or `X-Webhook-Token`)")]
public sealed class EvolutionSettings : ProviderSettings
{
    public const string ApiKey = "apiKey";
    public const string WebhookToken = "webhookToken";

    [Required, HttpUrl, Description("the Evolution API server's `http(s)` address")]
    public Uri? BaseUrl { get; set; }

    [Required, Description("the Evolution instance (already connected to WhatsApp)")]
    public string? Instance { get; set; }
}
