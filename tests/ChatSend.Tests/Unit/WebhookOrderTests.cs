using Azure.Messaging;
using ChatSend.Webhooks;

namespace ChatSend.Tests.Unit;

public sealed class WebhookOrderTests
{
    private static CloudEvent Event(string status) =>
        new("/sessions/s", "chatsend.message." + status, BinaryData.FromString(
            """{"status":"delivered","statusHistory":[{"status":"queued","at":"x"},{"status":"sent","at":"x"},{"status":"delivered","at":"x"}]}"""),
            "application/json") { Subject = "msg_s_1" };

    [Fact]
    public void AJobWaitsForTheLatestEarlierStatusItsEndpointWants()
    {
        Assert.Equal("msg_s_1:sent", WebhookOrder.Before(Event("delivered"), _ => true));
        Assert.Equal("msg_s_1:queued", WebhookOrder.Before(Event("delivered"), type => type != "chatsend.message.sent"));
        Assert.Null(WebhookOrder.Before(Event("queued"), _ => true));
        Assert.Null(WebhookOrder.Before(Event("delivered"), type => type == "chatsend.message.delivered"));
    }

    [Fact]
    public async Task AJobWaitsUntilThePreviousEventWasDeliveredOrOrderWaitHasPassed()
    {
        using var order = new WebhookOrder(new WebhookDeliveryPolicy { OrderWait = TimeSpan.FromSeconds(10) });
        var waiting = order.WaitForAsync("s/wh_a", "msg_s_1:queued", CancellationToken.None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        order.Delivered("s/wh_b", "msg_s_1:queued"); // another endpoint's delivery does not count
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        order.Delivered("s/wh_a", "msg_s_1:queued");

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        using var impatient = new WebhookOrder(new WebhookDeliveryPolicy { OrderWait = TimeSpan.FromMilliseconds(50) });
        await impatient.WaitForAsync("s/wh_a", "msg_s_1:never", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }
}
