using System.Net;
using ChatSend.Client;
using Microsoft.Extensions.DependencyInjection;
using static ChatSend.Tests.Client.ScriptedChatSend;

namespace ChatSend.Tests.Client;

/// <summary>What the client retries, how long it waits, and when it stops, against scripted answers.</summary>
public sealed class ClientRetryTests
{
    private static readonly SendMessageRequest Hello = new() { Session = "s1", To = "+12025550123", Text = "hi" };

    private static ClientServices Over(ScriptedChatSend server, Action<ChatSendClientOptions>? options = null) =>
        new(new Uri("http://chatsend.test/api"), "cs_test_key", http => http.ConfigurePrimaryHttpMessageHandler(() => server), options);

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task ASendIsRetriedAfterRetryAfterWithTheSameKeyAndBody(HttpStatusCode status)
    {
        var server = new ScriptedChatSend(() => Problem(status, retryAfterSeconds: 1), () => Answer(HttpStatusCode.Accepted, Accepted));
        using var services = Over(server);

        var accepted = await services.Client.SendAsync(Hello);

        Assert.Equal(("msg_1", new Uri("http://chatsend.test/messages/msg_1")), (accepted.Id, accepted.Location));
        Assert.InRange(server.Gaps.Single(), TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(5));
        Assert.Single(server.Seen.Select(s => (s.Key, s.Body)).Distinct());
        Assert.Equal(accepted.IdempotencyKey, server.Seen.First().Key);
    }

    [Fact]
    public async Task ReadsAndCancelsAreRetriedOnServerErrorsAndTimeouts()
    {
        var message = Accepted.Replace("queued", "canceled");
        var server = new ScriptedChatSend(() => Problem(HttpStatusCode.ServiceUnavailable, retryAfterSeconds: 1), () => Answer(HttpStatusCode.OK, message),
            () => Answer(HttpStatusCode.GatewayTimeout), () => Answer(HttpStatusCode.RequestTimeout), () => Answer(HttpStatusCode.OK, message));
        using var services = Over(server);

        Assert.Equal(MessageStatus.Canceled, (await services.Client.GetAsync("msg_1")).Status);
        Assert.Equal(MessageStatus.Canceled, (await services.Client.CancelAsync("msg_1")).Status);

        Assert.Equal([HttpMethod.Get, HttpMethod.Get, HttpMethod.Delete, HttpMethod.Delete, HttpMethod.Delete], server.Seen.Select(s => s.Method));
        Assert.True(server.Gaps[0] >= TimeSpan.FromMilliseconds(950), $"waited {server.Gaps[0]}");
    }

    [Fact]
    public async Task ASendStillRunningIsAskedAgainWithTheSameKey()
    {
        var server = new ScriptedChatSend(() => Problem(HttpStatusCode.Conflict, retryAfterSeconds: 1, """{"Idempotency-Key":["still running"]}"""),
            () => Answer(HttpStatusCode.Accepted, Accepted));
        using var services = Over(server);

        var accepted = await services.Client.SendAsync(Hello, idempotencyKey: "order-42");

        Assert.Equal("order-42", accepted.IdempotencyKey);
        Assert.Equal(["order-42", "order-42"], server.Seen.Select(s => s.Key));
    }

    [Fact]
    public async Task RetriesStopAfterMaxRetriesAndTheLastProblemSurfaces()
    {
        var server = new ScriptedChatSend(() => Problem(HttpStatusCode.ServiceUnavailable));
        using var services = Over(server, o => o.MaxRetries = 2);

        var problem = await Assert.ThrowsAsync<ChatSendProblemException>(() => services.Client.SendAsync(Hello));

        Assert.Equal((503, "t503", 3), (problem.Status, problem.Title, server.Seen.Count));
        Assert.Equal(server.Seen.First().Key, problem.IdempotencyKey);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Conflict)] // a disabled session: no Retry-After
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    [InlineData(HttpStatusCode.NotImplemented)]
    public async Task ARefusalIsNotRetried(HttpStatusCode status)
    {
        var server = new ScriptedChatSend(() => Problem(status, errors: """{"session":["is disabled"]}"""));
        using var services = Over(server);

        var problem = await Assert.ThrowsAsync<ChatSendProblemException>(() => services.Client.SendAsync(Hello));

        Assert.Equal(((int)status, 1, false), (problem.Status, server.Seen.Count, problem.IsSendInProgress));
        Assert.Equal(["is disabled"], problem.Errors["session"]);
    }

    [Fact]
    public async Task ACancelOfAStartedDeliveryIsNotRetried()
    {
        var server = new ScriptedChatSend(() => Problem(HttpStatusCode.Conflict, retryAfterSeconds: 1));
        using var services = Over(server);

        await Assert.ThrowsAsync<ChatSendProblemException>(() => services.Client.CancelAsync("msg_1"));

        Assert.Single(server.Seen);
    }

    [Fact]
    public async Task ARetryAfterBeyondTheLongestDelayIsReportedNotAwaited()
    {
        var server = new ScriptedChatSend(() => Problem(HttpStatusCode.TooManyRequests, retryAfterSeconds: 3600));
        using var services = Over(server);

        var problem = await Assert.ThrowsAsync<ChatSendProblemException>(() => services.Client.GetAsync("msg_1"));

        Assert.Equal((429, TimeSpan.FromHours(1), 1), (problem.Status, problem.RetryAfter, server.Seen.Count));
    }

    [Fact]
    public async Task NoAnswerIsRetriedThenReportedWithTheKeyToRepeatTheSendWith()
    {
        var server = new ScriptedChatSend(() => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused"));
        using var services = Over(server, o => o.MaxRetries = 2);

        var failure = await Assert.ThrowsAsync<ChatSendException>(() => services.Client.SendAsync(Hello));

        Assert.Equal(3, server.Seen.Count);
        Assert.Equal(server.Seen.First().Key, failure.IdempotencyKey);
        Assert.IsType<HttpRequestException>(failure.InnerException);
    }

    [Fact]
    public async Task AnAttemptThatTakesTooLongIsRetried()
    {
        var calls = 0;
        var server = new ScriptedChatSend(() => Answer(HttpStatusCode.Accepted, Accepted));
        var stall = new StallFirst(() => Interlocked.Increment(ref calls) == 1);
        using var stalled = new ClientServices(new Uri("http://chatsend.test/"), "cs_test_key",
            http => http.AddHttpMessageHandler(() => stall).ConfigurePrimaryHttpMessageHandler(() => server),
            o => o.AttemptTimeout = TimeSpan.FromMilliseconds(300));

        var accepted = await stalled.Client.SendAsync(Hello);

        Assert.Equal(("msg_1", 2), (accepted.Id, calls));
    }

    private sealed class StallFirst(Func<bool> stall) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (stall())
                await Task.Delay(Timeout.Infinite, cancellationToken); // a server that never answers, until the client gives up
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
