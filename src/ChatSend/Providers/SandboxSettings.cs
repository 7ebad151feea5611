using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers;

/// <summary>A <c>sandbox</c> session's settings: how soon its pretend network reports, and whether its recipients answer; no secrets.</summary>
public sealed class SandboxSettings : ProviderSettings
{
    [Range(0d, 3600d), Description("seconds after sent when the sandbox reports `delivered` (0–3600)")]
    [DefaultText("`ChatSend:Sandbox:DeliveredAfter` (1 s)")]
    public double? DeliveredAfterSeconds { get; set; }

    [Range(0d, 3600d), Description("seconds after sent when the sandbox reports `read` (0–3600)")]
    [DefaultText("`ChatSend:Sandbox:ReadAfter` (2 s)")]
    public double? ReadAfterSeconds { get; set; }

    [Range(0d, 3600d), Description("seconds after sent when the recipient answers every message with an echo (`echo: <text>`, or the same file), " +
        "recorded as a customer's message (0–3600)")]
    [DefaultText("no answer")]
    public double? ReplyAfterSeconds { get; set; }
}
