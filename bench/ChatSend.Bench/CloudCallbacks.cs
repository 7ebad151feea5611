using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChatSend.Providers.WhatsAppCloud;

namespace ChatSend.Bench;

/// <summary>A customer's text message: its wamid and its text.</summary>
internal sealed record CustomerText(string ProviderId, string Text);

/// <summary>
/// One Cloud API notification of a customer's text messages, as documented for the messages webhook: one change naming
/// the business number (<c>metadata.phone_number_id</c>), the sender in <c>contacts</c>, its <c>messages</c>.
/// </summary>
internal sealed record CloudNotification(string Body, string Customer, IReadOnlyList<CustomerText> Messages)
{
    /// <summary>Callback number <paramref name="callback"/>: <paramref name="batch"/> text messages from one of 1,000 customers.</summary>
    public static CloudNotification Create(string phoneNumberId, int callback, int batch)
    {
        var from = $"1202555{callback % 1000:D4}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var texts = Enumerable.Range(0, batch)
            .Select(i => new CustomerText($"wamid.HBgLMTIwMjU1NTAxMjM{callback:D7}x{i:D3}BENCH", $"bench inbound message {callback:00000}.{i:00}"))
            .ToList();
        var messages = texts.Select(text => new JsonObject
        {
            ["from"] = from,
            ["id"] = text.ProviderId,
            ["timestamp"] = now,
            ["type"] = "text",
            ["text"] = new JsonObject { ["body"] = text.Text },
        });
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject { ["display_phone_number"] = "15550783881", ["phone_number_id"] = phoneNumberId },
            ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = "Bench Customer" }, ["wa_id"] = from }),
            ["messages"] = new JsonArray([.. messages]),
        };
        var body = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = "102290129340398",
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = "messages" }),
            }),
        };
        return new CloudNotification(body.ToJsonString(), "+" + from, texts);
    }
}

/// <summary>
/// The benchmark's WhatsApp Cloud API: posts notifications to the local host's <c>POST /webhooks/whatsapp-cloud</c> as
/// Meta does, <c>X-Hub-Signature-256</c> the hex HMAC-SHA256 of the body with the app secret.
/// </summary>
internal sealed class CloudCallbacks(HttpClient host, string appSecret)
{
    /// <summary>Posts <paramref name="notification"/>, signed; throws unless the host answers 200 (every message recorded).</summary>
    public async Task PostAsync(CloudNotification notification)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "webhooks/whatsapp-cloud")
        {
            Content = new StringContent(notification.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(WhatsAppCloudCallback.SignatureHeader, Sign(notification.Body));
        using var response = await host.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"POST /webhooks/whatsapp-cloud answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private string Sign(string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.UTF8.GetBytes(body)));
}
