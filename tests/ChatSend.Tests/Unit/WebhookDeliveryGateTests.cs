using ChatSend.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Unit;

public sealed class WebhookDeliveryGateTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly WebhookDeliveryGate _gate;

    public WebhookDeliveryGateTests() => _gate = new WebhookDeliveryGate(new WebhookDeliveryPolicy(), _time);

    [Fact]
    public void AnEndpointTakesTwoDeliveriesAtOnceAndTurnsAThirdAwayBriefly()
    {
        Assert.Null(_gate.TryEnter("s/wh_a"));
        Assert.Null(_gate.TryEnter("s/wh_a"));
        Assert.Equal(TimeSpan.FromSeconds(2), _gate.TryEnter("s/wh_a"));
        Assert.Null(_gate.TryEnter("s/wh_b")); // another endpoint is not held up

        _gate.Exit("s/wh_a");
        Assert.Null(_gate.TryEnter("s/wh_a"));
    }

    [Fact]
    public void AfterATimeoutTheEndpointsOtherJobsWaitUntilItsRetry()
    {
        Assert.Null(_gate.TryEnter("s/wh_a"));
        _gate.CoolDown("s/wh_a", _time.GetUtcNow().AddSeconds(5));
        _gate.Exit("s/wh_a");

        Assert.Equal(TimeSpan.FromSeconds(5), _gate.TryEnter("s/wh_a"));
        Assert.Null(_gate.TryEnter("s/wh_b"));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(_gate.TryEnter("s/wh_a"));
    }

    [Fact]
    public async Task AJobForABusyEndpointTakesThePlaceFreedWhileItWaitsInsteadOfGoingBackOnTheQueue()
    {
        Assert.Null(_gate.TryEnter("s/wh_a"));
        Assert.Null(_gate.TryEnter("s/wh_a"));
        var third = _gate.EnterAsync("s/wh_a", CancellationToken.None);
        await Task.Delay(50);
        Assert.False(third.IsCompleted);

        _gate.Exit("s/wh_a");

        Assert.Null(await third.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task AJobForAnEndpointBusyLongerThanBusyWaitOrCoolingDownGoesBackOnTheQueue()
    {
        var gate = new WebhookDeliveryGate(new WebhookDeliveryPolicy { BusyWait = TimeSpan.FromMilliseconds(100) }, _time);
        Assert.Null(gate.TryEnter("s/wh_a"));
        Assert.Null(gate.TryEnter("s/wh_a"));
        Assert.Equal(TimeSpan.FromSeconds(2), await gate.EnterAsync("s/wh_a", CancellationToken.None));

        gate.CoolDown("s/wh_a", _time.GetUtcNow().AddSeconds(5));
        gate.Exit("s/wh_a");
        Assert.Equal(TimeSpan.FromSeconds(5), await gate.EnterAsync("s/wh_a", CancellationToken.None)); // no wait: it is not busy
    }
}
