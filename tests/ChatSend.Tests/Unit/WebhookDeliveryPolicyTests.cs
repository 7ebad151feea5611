using System.Net.Http.Headers;
using System.Text.Json;
using ChatSend.Webhooks;

namespace ChatSend.Tests.Unit;

public sealed class WebhookDeliveryPolicyTests
{
    private static readonly WebhookDeliveryPolicy Policy = new();

    [Theory]
    [InlineData(200, WebhookOutcome.Delivered)]
    [InlineData(204, WebhookOutcome.Delivered)]
    [InlineData(408, WebhookOutcome.Retry)]
    [InlineData(409, WebhookOutcome.Retry)]
    [InlineData(429, WebhookOutcome.Retry)]
    [InlineData(500, WebhookOutcome.Retry)]
    [InlineData(503, WebhookOutcome.Retry)]
    [InlineData(301, WebhookOutcome.Refused)]
    [InlineData(400, WebhookOutcome.Refused)]
    [InlineData(401, WebhookOutcome.Refused)]
    [InlineData(404, WebhookOutcome.Refused)]
    [InlineData(410, WebhookOutcome.Refused)]
    public void StatusesAreDeliveredRetriedOrRefusedAsTheContractSays(int status, WebhookOutcome outcome) =>
        Assert.Equal(outcome, WebhookDeliveryPolicy.Classify(status));

    [Theory]
    [InlineData(1, 4, 6)]
    [InlineData(2, 8, 12)]
    [InlineData(3, 16, 24)]
    [InlineData(10, 2048, 3072)]
    [InlineData(11, 2880, 4320)]
    [InlineData(30, 2880, 4320)]
    public void BackoffDoublesFromFiveSecondsUpToAnHourWithinTwentyPercent(int retry, int min, int max)
    {
        for (var i = 0; i < 200; i++)
            Assert.InRange(Policy.DelayFor(retry).TotalSeconds, min, max);
    }

    [Fact]
    public void RetryAfterWinsWhenItIsLongerThanTheBackoff()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), Policy.DelayFor(1, TimeSpan.FromSeconds(120)));
        Assert.InRange(Policy.DelayFor(3, TimeSpan.FromSeconds(1)).TotalSeconds, 16, 24);
    }

    [Fact]
    public void RetryAfterIsReadAsSecondsOrAsAnHttpDate()
    {
        var now = new DateTimeOffset(2026, 4, 15, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(30), ChatSend.Http.RetryAfter.Of(RetryConditionHeaderValue.Parse("30"), now));
        Assert.Equal(TimeSpan.FromMinutes(2), ChatSend.Http.RetryAfter.Of(RetryConditionHeaderValue.Parse("Wed, 15 Apr 2026 10:02:00 GMT"), now));
        Assert.Null(ChatSend.Http.RetryAfter.Of(RetryConditionHeaderValue.Parse("Wed, 15 Apr 2026 09:00:00 GMT"), now));
        Assert.Null(ChatSend.Http.RetryAfter.Of(null, now));
    }

    [Fact]
    public void EventsOfOneMessageShareAJobUntilItWouldPassAQueueMessage()
    {
        var small = Enumerable.Range(0, 3).Select(i => Event(i, 1000)).ToArray();
        Assert.Equal([3], WebhookDeliveryJob.Split("s", "wh_1", small, DateTimeOffset.UtcNow).Select(j => j.Events.Count));

        var large = Enumerable.Range(0, 5).Select(i => Event(i, 20_000)).ToArray();
        var jobs = WebhookDeliveryJob.Split("s", "wh_1", large, DateTimeOffset.UtcNow);
        Assert.True(jobs.Count > 1);
        Assert.All(jobs, j => Assert.True(WebhookDeliveryJob.SizeOf(j) <= WebhookDeliveryJob.MaxBytes));
        Assert.Equal(large.Select(WebhookDeliveryJob.IdOf), jobs.SelectMany(j => j.Events).Select(WebhookDeliveryJob.IdOf));
    }

    private static JsonElement Event(int i, int size) =>
        JsonDocument.Parse($$"""{"specversion":"1.0","id":"msg_s_{{i}}:sent","data":"{{new string('x', size)}}"}""").RootElement;
}
