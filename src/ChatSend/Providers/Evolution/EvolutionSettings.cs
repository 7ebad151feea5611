using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers.Evolution;

/// <summary>An <c>evolution</c> session's settings and secrets.</summary>
[Secret("apiKey", "the Evolution API key (global or the instance's), sent as the apikey header")]
[Secret("webhookToken", "the token Evolution's callbacks carry (?token= or X-Webhook-Token)")]
public sealed class EvolutionSettings : ProviderSettings
{
    [Required, HttpUrl, Description("the Evolution API server's address")]
    public Uri? BaseUrl { get; set; }

    [Required, Description("the Evolution instance's name")]
    public string? Instance { get; set; }
}
