using System.Net;
using System.Text.Json;
using ChatSend.Messages;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// The rules of the order within a chat (<c>docs</c>' contract, "Order within a chat"), one at a time, through the local
/// host on Azurite and the fake Cloud API, whose answers to one message are scripted to hold it: a message that keeps
/// failing holds the next only until it is <c>failed</c>; <c>"ordered": false</c> overtakes; a canceled message holds
/// nothing; other chats never wait; a scheduled message takes its place at its <c>sendAt</c>. Under load, with two hosts
/// and a kill: <see cref="SendOrderTests"/>. Each test has a chat (a recipient) of its own, and texts that name it.
/// </summary>
public sealed class SendOrderRulesTests(Azurite azurite, FakeCloudApi cloud) : IClassFixture<Azurite>, IClassFixture<FakeCloudApi>, IAsyncLifetime
{
    // How long the provider holds a message: time enough for the others of a test to be sent, and delivered if they may.
    private static readonly TimeSpan Held = TimeSpan.FromSeconds(5);
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        [$"ChatSend:Secrets:{CloudChat.TokenSecret}"] = cloud.AccessToken,
        ["ChatSend:Delivery:MaxAttempts"] = "3",
        ["ChatSend:Delivery:RetryBaseDelay"] = "00:00:01",
        ["ChatSend:Delivery:RetryMaxDelay"] = "00:00:02",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<CloudChat> NewChatAsync(IDictionary<string, string>? settings = null) => CloudChat.NewAsync(_app.Services, cloud, settings);

    private Task<Sent> SendAsync(CloudChat chat, string text, string? more = null) => chat.SendAsync(_app.Http, text, more);

    private Task<MessageEntity?> StatusAsync(Sent message, MessageStatus status) =>
        Eventually.MatchesAsync(() => _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(message.Id)),
            m => m?.CurrentStatus == status, TimeSpan.FromSeconds(30));

    private async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(HttpMethod method, CloudChat chat, Sent message)
    {
        using var response = await _app.Http.SendAsync(_app.Request(method, $"/messages/{message.Id}", chat.Key));
        return (response.StatusCode, await Json.ReadAsync(response));
    }

    [Fact]
    public async Task AMessageThatKeepsFailingHoldsTheNextOnlyUntilItHasFailed()
    {
        var chat = await NewChatAsync();
        var (failing, next) = ($"keeps failing {chat.Digits}", $"goes next {chat.Digits}");
        cloud.ScriptText(failing, [.. Enumerable.Repeat(FakeCloudApi.ServiceUnavailable, 10)]);
        var first = await SendAsync(chat, failing);
        await SendAsync(chat, next);

        var failed = await StatusAsync(first, MessageStatus.Failed);
        await chat.SucceededAsync(next);

        var attempts = chat.RequestsFor(failing);
        Assert.Equal(3, attempts.Count); // its whole retry window (MaxAttempts), each answered 503
        var failedAt = failed!.GetHistory().Last(h => h.Status == MessageStatus.Failed).At;
        var arrived = chat.FirstRequest(next);
        Assert.True(arrived.Started > attempts[^1].Ended && arrived.StartedAt >= failedAt,
            $"'{next}' reached the provider at {arrived.StartedAt:HH:mm:ss.fff}, before '{failing}' was failed at {failedAt:HH:mm:ss.fff}");
    }

    [Fact]
    public async Task AMessageSentWithOrderedFalseOvertakesAHeldOneAndTheNextOrderedOneStillWaits()
    {
        var chat = await NewChatAsync();
        var (held, code, behind) = ($"a video {chat.Digits}", $"one-time code 123456 {chat.Digits}", $"behind the video {chat.Digits}");
        cloud.ScriptText(held, FakeCloudApi.Success(Held));
        await SendAsync(chat, held);
        await chat.ArrivalAsync(held); // the provider is holding it
        var unordered = await SendAsync(chat, code, ""","ordered":false""");
        await SendAsync(chat, behind);

        var codeAnswered = await chat.SucceededAsync(code);
        var heldAnswered = await chat.SucceededAsync(held);
        await chat.SucceededAsync(behind);

        Assert.True(codeAnswered.Ended < heldAnswered.Ended, $"'{code}' (ordered: false) waited for '{held}'");
        Assert.True(chat.FirstRequest(behind).Started > heldAnswered.Ended, $"'{behind}' reached the provider before '{held}' was sent");
        Assert.False(unordered.Answer.GetProperty("ordered").GetBoolean()); // the 202's view says so, and GET's
        Assert.False((await CallAsync(HttpMethod.Get, chat, unordered)).Body.GetProperty("ordered").GetBoolean());
    }

    [Fact]
    public async Task AMessageCanceledWhileItWaitsDoesNotHoldTheOnesBehindIt()
    {
        var chat = await NewChatAsync();
        var (held, canceled, behind) = ($"held {chat.Digits}", $"canceled {chat.Digits}", $"behind {chat.Digits}");
        cloud.ScriptText(held, FakeCloudApi.Success(Held));
        await SendAsync(chat, held);
        await chat.ArrivalAsync(held);
        var waiting = await SendAsync(chat, canceled);
        await SendAsync(chat, behind);

        var (status, body) = await CallAsync(HttpMethod.Delete, chat, waiting);
        Assert.True(status == HttpStatusCode.OK, $"DELETE answered {(int)status} {body}: '{canceled}' was handed over while '{held}' was at the provider");
        var heldAnswered = await chat.SucceededAsync(held);
        await chat.SucceededAsync(behind);

        Assert.True(chat.FirstRequest(behind).Started > heldAnswered.Ended, $"'{behind}' reached the provider before '{held}' was sent");
        Assert.Empty(chat.RequestsFor(canceled));
        await StatusAsync(waiting, MessageStatus.Canceled);
    }

    [Fact]
    public async Task CancelingTheHeadOfAChatWhileItWaitsForItsPaceLetsTheNextGo()
    {
        // Works without the order too (pacing alone holds a recipient's messages apart): it shows a canceled head holds nothing.
        var chat = await NewChatAsync(new Dictionary<string, string> { ["minRecipientGapSeconds"] = "4" });
        var (first, head, next) = ($"first {chat.Digits}", $"paced head {chat.Digits}", $"next {chat.Digits}");
        await SendAsync(chat, first);
        await chat.SucceededAsync(first);
        var paced = await SendAsync(chat, head);
        // Waiting for the recipient's gap: no attempt counted, and the view says when it is expected to go.
        await Eventually.MatchesAsync(async () => (await CallAsync(HttpMethod.Get, chat, paced)).Body,
            view => view.TryGetProperty("expectedAt", out _));
        await SendAsync(chat, next);

        var (status, body) = await CallAsync(HttpMethod.Delete, chat, paced);
        Assert.True(status == HttpStatusCode.OK, $"DELETE answered {(int)status} {body}");
        await chat.SucceededAsync(next);

        Assert.Empty(chat.RequestsFor(head));
    }

    [Fact]
    public async Task AChatWhoseHeadIsHeldDoesNotHoldAnotherChatOfTheSameSession()
    {
        // Works without the order too: it guards against a chat's wait spreading to the session.
        var alice = await NewChatAsync();
        var bob = alice.Other();
        var (held, behind, other) = ($"alice held {alice.Digits}", $"alice next {alice.Digits}", $"bob {bob.Digits}");
        cloud.ScriptText(held, FakeCloudApi.Success(Held));
        await SendAsync(alice, held);
        await alice.ArrivalAsync(held);
        await SendAsync(alice, behind);
        await SendAsync(bob, other);

        var bobAnswered = await bob.SucceededAsync(other);
        var heldAnswered = await alice.SucceededAsync(held);
        await alice.SucceededAsync(behind);

        Assert.True(bobAnswered.Ended < heldAnswered.Ended, $"'{other}' waited for '{held}', the head of another chat");
    }

    [Fact]
    public async Task AScheduledMessageTakesItsPlaceInTheOrderAtItsSendAt()
    {
        var chat = await NewChatAsync();
        var (scheduled, before, slow, after) = ($"scheduled {chat.Digits}", $"before 1 {chat.Digits}", $"before 2 {chat.Digits}", $"after {chat.Digits}");
        // Slow: still at the provider when the scheduled message's time comes.
        cloud.ScriptText(slow, FakeCloudApi.Success(TimeSpan.FromSeconds(8)));
        var sendAt = DateTimeOffset.UtcNow.AddSeconds(6);
        await SendAsync(chat, scheduled, $$""","sendAt":"{{sendAt:O}}" """);
        await SendAsync(chat, before);
        await SendAsync(chat, slow);
        Assert.True(DateTimeOffset.UtcNow < sendAt, "the messages meant to come before sendAt were accepted after it");
        await Task.Delay(sendAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200)); // the clock passing sendAt, so "after" is after it
        await SendAsync(chat, after);

        var afterAnswered = await chat.SucceededAsync(after);
        var (beforeAnswered, slowAnswered, scheduledAnswered) =
            (await chat.SucceededAsync(before), await chat.SucceededAsync(slow), await chat.SucceededAsync(scheduled));

        var scheduledArrived = chat.FirstRequest(scheduled);
        Assert.True(scheduledArrived.StartedAt >= sendAt, $"'{scheduled}' went at {scheduledArrived.StartedAt:HH:mm:ss.fff}, before its sendAt {sendAt:HH:mm:ss.fff}");
        Assert.True(chat.FirstRequest(slow).Started > beforeAnswered.Ended, $"'{slow}' reached the provider before '{before}' was sent");
        Assert.True(scheduledArrived.Started > slowAnswered.Ended, $"'{scheduled}' reached the provider before '{slow}', accepted before its sendAt, was sent");
        Assert.True(chat.FirstRequest(after).Started > scheduledAnswered.Ended, $"'{after}', accepted after the sendAt, reached the provider before '{scheduled}' was sent");
        Assert.True(afterAnswered.Ended > scheduledAnswered.Ended);
    }
}
