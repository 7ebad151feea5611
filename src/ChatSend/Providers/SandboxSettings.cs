using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers;

/// <summary>A <c>sandbox</c> session's settings: how soon its pretend network reports; no secrets.</summary>
public sealed class SandboxSettings : ProviderSettings
{
    [Range(0, 3600), Description("seconds from sent to delivered; ChatSend:Sandbox:DeliveredAfter when absent")]
    public double? DeliveredAfterSeconds { get; set; }

    [Range(0, 3600), Description("seconds from sent to read; ChatSend:Sandbox:ReadAfter when absent")]
    public double? ReadAfterSeconds { get; set; }
}
