using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>A <c>whatsapp-cloud</c> session's settings and secrets.</summary>
[Secret("accessToken", "the access token of a system user of the WhatsApp Business Account, sent as Bearer")]
[Secret("appSecret", "the Meta app's secret, which checks the X-Hub-Signature-256 of callbacks")]
[Secret("verifyToken", "the token Meta's subscription handshake sends as hub.verify_token")]
public sealed class WhatsAppCloudSettings : ProviderSettings
{
    public const string DefaultBaseUrl = "https://graph.facebook.com";

    /// <summary>The Graph API version the documentation's examples use (developers.facebook.com, 2026).</summary>
    public const string DefaultApiVersion = "v26.0";

    [Required, RegularExpression("^[0-9]{1,32}$", ErrorMessage = "must be the phone number's id from Meta (digits only)")]
    [Description("the business phone number's id, from WhatsApp Manager or the API")]
    public string? PhoneNumberId { get; set; }

    [RegularExpression(@"^v[0-9]{1,3}\.[0-9]{1,2}$", ErrorMessage = "must be a Graph API version such as v26.0")]
    [Description("the Graph API version")]
    public string? ApiVersion { get; set; } = DefaultApiVersion;

    [HttpUrl, Description("the Graph API's address (a proxy or a test server)")]
    public Uri? BaseUrl { get; set; } = new(DefaultBaseUrl);
}
