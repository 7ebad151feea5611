using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers;

/// <summary>A <c>sandbox</c> session's settings: how soon its pretend network reports; no secrets.</summary>
public sealed class SandboxSettings : ProviderSettings
{
    [Range(0d, 3600d), Description("seconds after sent when the sandbox reports `delivered` (0–3600)")]
    [DefaultText("`ChatSend:Sandbox:DeliveredAfter` (1 s)")]
    public double? DeliveredAfterSeconds { get; set; }

    [Range(0d, 3600d), Description("seconds after sent when the sandbox reports `read` (0–3600)")]
    [DefaultText("`ChatSend:Sandbox:ReadAfter` (2 s)")]
    public double? ReadAfterSeconds { get; set; }
}
