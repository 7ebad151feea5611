using Azure.Messaging;
using ChatSend.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Unit;

/// <summary>A job's wait for the previous event, on a fake clock: it ends on that delivery, or when the clock passes OrderWait.</summary>
public sealed class WebhookOrderTests
{
    private static readonly WebhookDeliveryPolicy Policy = new() { OrderWait = TimeSpan.FromSeconds(10) };
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

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
    public async Task AJobWaitsUntilThePreviousEventWasDeliveredToItsEndpoint()
    {
        using var order = new WebhookOrder(Policy, _clock);
        var waiting = order.WaitForAsync("s/wh_a", "msg_s_1:queued", CancellationToken.None);
        _clock.Advance(Policy.OrderWait - TimeSpan.FromTicks(1));
        Assert.False(waiting.IsCompleted);

        order.Delivered("s/wh_a", "msg_s_1:queued");

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5))); // delivered, on a clock that did not reach OrderWait
    }

    [Fact]
    public async Task AJobStopsWaitingWhenOrderWaitHasPassedAndNoOtherDeliveryEndsItSooner()
    {
        using var order = new WebhookOrder(Policy, _clock);
        var waiting = order.WaitForAsync("s/wh_a", "msg_s_1:queued", CancellationToken.None);
        order.Delivered("s/wh_b", "msg_s_1:queued"); // another endpoint's delivery does not count
        order.Delivered("s/wh_a", "msg_s_1:sent"); // nor another event's
        _clock.Advance(Policy.OrderWait - TimeSpan.FromTicks(1));
        Assert.False(waiting.IsCompleted);

        _clock.Advance(TimeSpan.FromTicks(1));

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5))); // the clock ended it, not a delivery
    }

    [Fact]
    public async Task AJobWhosePreviousEventWasAlreadyDeliveredOrThatHasNoneDoesNotWait()
    {
        using var order = new WebhookOrder(Policy, _clock);
        order.Delivered("s/wh_a", "msg_s_1:queued");

        var delivered = order.WaitForAsync("s/wh_a", "msg_s_1:queued", CancellationToken.None);
        var first = order.WaitForAsync("s/wh_a", null, CancellationToken.None);

        Assert.True(delivered.IsCompletedSuccessfully && await delivered);
        Assert.True(first.IsCompletedSuccessfully && await first);
    }

    [Fact]
    public async Task JobsWaitingForTheSameEventAllGoOnWhenItIsDelivered()
    {
        using var order = new WebhookOrder(Policy, _clock);
        var waiting = Enumerable.Range(0, 3).Select(_ => order.WaitForAsync("s/wh_a", "msg_s_1:queued", CancellationToken.None)).ToList();

        order.Delivered("s/wh_a", "msg_s_1:queued");

        var delivered = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([true, true, true], delivered);
    }

    [Fact]
    public async Task AWaitingJobStopsWhenItsWorkerIsCancelled()
    {
        using var order = new WebhookOrder(Policy, _clock);
        using var cancel = new CancellationTokenSource();
        var waiting = order.WaitForAsync("s/wh_a", "msg_s_1:queued", cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
