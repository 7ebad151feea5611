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
        _time.Advance(new WebhookDeliveryPolicy().BusyWait - TimeSpan.FromTicks(1));
        Assert.False(third.IsCompleted);

        _gate.Exit("s/wh_a");

        Assert.Null(await third.WaitAsync(TimeSpan.FromSeconds(5))); // woken by the exit, before the clock reached BusyWait
        Assert.Equal(TimeSpan.FromSeconds(2), _gate.TryEnter("s/wh_a")); // and it holds the place it took
    }

    [Fact]
    public async Task AJobForAnEndpointBusyLongerThanBusyWaitOrCoolingDownGoesBackOnTheQueue()
    {
        var gate = new WebhookDeliveryGate(new WebhookDeliveryPolicy { BusyWait = TimeSpan.FromMilliseconds(100) }, _time);
        Assert.Null(gate.TryEnter("s/wh_a"));
        Assert.Null(gate.TryEnter("s/wh_a"));
        var third = gate.EnterAsync("s/wh_a", CancellationToken.None);
        Assert.Null(gate.TryEnter("s/wh_b")); // another endpoint's place does not wake it
        gate.Exit("s/wh_b");
        _time.Advance(TimeSpan.FromMilliseconds(100) - TimeSpan.FromTicks(1));
        Assert.False(third.IsCompleted);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromSeconds(2), await third.WaitAsync(TimeSpan.FromSeconds(5)));

        gate.CoolDown("s/wh_a", _time.GetUtcNow().AddSeconds(5));
        gate.Exit("s/wh_a");
        var cooling = gate.EnterAsync("s/wh_a", CancellationToken.None);
        Assert.True(cooling.IsCompletedSuccessfully); // no wait: it is not busy
        Assert.Equal(TimeSpan.FromSeconds(5), await cooling);
    }

    [Fact]
    public async Task JobsWaitingForABusyEndpointTakeTheFreedPlacesOneEach()
    {
        Assert.Null(_gate.TryEnter("s/wh_a"));
        Assert.Null(_gate.TryEnter("s/wh_a"));
        var waiting = new[] { _gate.EnterAsync("s/wh_a", CancellationToken.None), _gate.EnterAsync("s/wh_a", CancellationToken.None) };

        _gate.Exit("s/wh_a");
        var first = await Task.WhenAny(waiting).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Null(await first);
        var second = waiting.Single(w => w != first);
        Assert.False(second.IsCompleted);

        _time.Advance(new WebhookDeliveryPolicy().BusyWait);

        Assert.Equal(TimeSpan.FromSeconds(2), await second.WaitAsync(TimeSpan.FromSeconds(5))); // the place was taken
    }
}
