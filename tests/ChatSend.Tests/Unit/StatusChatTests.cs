using System.Text.Json;
using ChatSend.Providers.Callbacks;
using ChatSend.Providers.Evolution;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatSend.Tests.Unit;

/// <summary>
/// A provider's status names the chat its message went to, as ChatSend writes chats, so its receipt reads that chat's
/// partition first in a session of several; a chat of another shape is kept as given (it only costs the other reads).
/// </summary>
public class StatusChatTests
{
    private static StatusReport Parse(IProviderCallback callback, string json) =>
        Assert.IsType<StatusReport>(Assert.Single(callback.Parse(new CallbackRequest(new DefaultHttpContext().Request, "s1", []),
            JsonDocument.Parse(json).RootElement)));

    [Theory]
    [InlineData("12025550123", "+12025550123")] // a wa_id: digits, no '+'
    [InlineData("US.13491208655302741918", "US.13491208655302741918")] // a business-scoped user id, as given
    public void ACloudApiStatusNamesItsRecipient(string recipientId, string chat)
    {
        var status = FakeCloudApi.Status("wamid.1", "delivered", DateTimeOffset.UtcNow);
        status["recipient_id"] = recipientId;

        var report = Parse(new WhatsAppCloudCallback(null!, null!, NullLogger<WhatsAppCloudCallback>.Instance), FakeCloudApi.StatusPayload("1065", status));

        Assert.Equal(chat, report.Chat);
    }

    [Theory]
    [InlineData("\"to\":\"12025550123@c.us\"", "+12025550123")]
    [InlineData("\"to\":\"120363041234567890@g.us\"", "120363041234567890@g.us")]
    [InlineData("\"to\":7", null)] // another shape: no chat, the receipt reads every partition
    public void AWahaAckNamesTheChatItWentTo(string to, string? chat)
    {
        var report = Parse(new WahaCallback(null!),
            $$$"""{"event":"message.ack","session":"default","payload":{"id":"true_12025550123@c.us_3EB0","fromMe":true,"ack":2,{{{to}}}}}""");

        Assert.Equal(chat, report.Chat);
    }

    [Fact]
    public void AnEvolutionUpdateNamesItsRemoteJid()
    {
        var report = Parse(new EvolutionCallback(null!),
            """{"event":"messages.update","instance":"main","data":{"keyId":"3EB0AA","remoteJid":"12025550123@s.whatsapp.net","fromMe":true,"status":"DELIVERY_ACK"}}""");

        Assert.Equal("+12025550123", report.Chat);
    }
}
