using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ChatSend.Providers.Settings;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>A <c>whatsapp-cloud</c> session's settings and secrets.</summary>
[Secret(AccessToken, SecretUse.Sending, "a system user access token with `whatsapp_business_messaging`, sent as `Authorization: Bearer`")]
[Secret(AppSecret, SecretUse.Callbacks, "the Meta app's secret: checks `X-Hub-Signature-256` on every provider callback")]
[Secret(VerifyToken, SecretUse.Callbacks, "a token you make up, answered in the subscription handshake")]
public sealed class WhatsAppCloudSettings : ProviderSettings
{
    public const string AccessToken = "accessToken";
    public const string AppSecret = "appSecret";
    public const string VerifyToken = "verifyToken";

    public const string DefaultBaseUrl = "https://graph.facebook.com";

    /// <summary>The Graph API version the documentation's examples use (developers.facebook.com, 2026).</summary>
    public const string DefaultApiVersion = "v26.0";

    [Required, RegularExpression("^[0-9]{1,32}$", ErrorMessage = "must be the phone number's id from Meta (digits only)")]
    [Description("the sending number's id at Meta (digits); also how a provider callback finds its session, so one session's alone")]
    public string? PhoneNumberId { get; set; }

    [RegularExpression(@"^v[0-9]{1,3}\.[0-9]{1,2}$", ErrorMessage = "must be a Graph API version such as v26.0")]
    [Description("the Graph API version")]
    public string? ApiVersion { get; set; } = DefaultApiVersion;

    [RegularExpression("^[0-9]{1,32}$", ErrorMessage = "must be the WhatsApp Business Account's id from Meta (digits only)")]
    [Description("the WhatsApp Business Account's id at Meta (digits): where the session's templates are read from; templates need it")]
    [DefaultText("none: no templates")]
    public string? WabaId { get; set; }

    [HttpUrl, Description("the API's address (a proxy, a test server)")]
    public Uri? BaseUrl { get; set; } = new(DefaultBaseUrl);
}
