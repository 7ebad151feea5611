using System.Security.Cryptography;
using System.Text;
using Azure.Messaging;
using ChatSend.Client;
using ChatSend.Events;
using ChatSend.Messages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;
using ClientStatus = ChatSend.Client.MessageStatus;

namespace ChatSend.Tests.Client;

/// <summary><see cref="WebhookVerifier"/> against the Standard Webhooks specification's vector and its .NET library.</summary>
public sealed class WebhookVerifierTests
{
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.UtcNow);

    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void TheSpecificationsPublishedVectorVerifies()
    {
        // From standard-webhooks/standard-webhooks, libraries/csharp/StandardWebhooks.Tests/WebhookTest.cs (verifyWebhookSignWorks).
        var verifier = new WebhookVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1614265330)));
        var body = """{"test": 2432232314}"""u8.ToArray();
        const string signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

        verifier.VerifySignature("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body);
        verifier.VerifySignature("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x " + signature, body);
        Assert.Throws<WebhookVerificationException>(() => verifier.VerifySignature("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265331", signature, body));
        Assert.Throws<WebhookVerificationException>(() => verifier.VerifySignature("msg_other", "1614265330", signature, body));
        Assert.Throws<WebhookVerificationException>(() => new WebhookVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .VerifySignature("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body)); // signed in 2021: too old now
    }

    [Fact]
    public void AnEventSignedByTheStandardWebhooksLibraryIsAcceptedAndRead()
    {
        var secret = NewSecret();
        var (id, body) = DeliveredEvent();
        var request = new DefaultHttpContext().Request;
        foreach (var (name, value) in Sign(secret, id, Clock.GetUtcNow(), body))
            request.Headers[name] = value;

        // As a receiver calls it (the form of the client's README, "Verifying webhooks"): ASP.NET Core's headers, the raw body bytes.
        var received = new WebhookVerifier(secret, Clock).Verify(name => request.Headers[name], Encoding.UTF8.GetBytes(body));

        Assert.Equal(("1.0", id, "chatsend.message.delivered", "/sessions/s1", "msg_1"),
            (received.SpecVersion, received.Id, received.Type, received.Source, received.Subject));
        Assert.Equal(ClientStatus.Delivered, received.Status);
        Assert.Equal(DateTimeOffset.Parse("2026-04-15T10:00:02Z"), received.Time);
        var message = received.Data!;
        Assert.Equal(("msg_1", "+12025550123", ClientStatus.Delivered, ChatSend.Client.MessageType.Text), (message.Id, message.To, message.Status, message.Type));
        Assert.Equal([ClientStatus.Queued, ClientStatus.Sent, ClientStatus.Delivered], message.StatusHistory!.Select(h => h.Status));
    }

    [Fact]
    public void ATamperedOrForeignlySignedEventIsRefused()
    {
        var secret = NewSecret();
        var (id, body) = DeliveredEvent();
        var headers = Sign(secret, id, Clock.GetUtcNow(), body);
        var verifier = new WebhookVerifier(secret, Clock);

        Assert.Throws<WebhookVerificationException>(() => verifier.Verify(name => headers.GetValueOrDefault(name), body.Replace("delivered", "read")));
        Assert.Throws<WebhookVerificationException>(() => new WebhookVerifier(NewSecret(), Clock).Verify(name => headers.GetValueOrDefault(name), body));
        foreach (var missing in headers.Keys)
            Assert.Throws<WebhookVerificationException>(() => verifier.Verify(name => name == missing ? null : headers[name], body));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void AnEventSignedMoreThanFiveMinutesAwayIsRefused(int seconds)
    {
        var secret = NewSecret();
        var (id, body) = DeliveredEvent();
        var headers = Sign(secret, id, Clock.GetUtcNow().AddSeconds(seconds), body);

        var refused = Assert.Throws<WebhookVerificationException>(() => new WebhookVerifier(secret, Clock).Verify(name => headers.GetValueOrDefault(name), body));

        Assert.Contains(seconds < 0 ? "too old" : "future", refused.Message);
        var withinTolerance = Sign(secret, id, Clock.GetUtcNow().AddSeconds(seconds < 0 ? -299 : 299), body);
        new WebhookVerifier(secret, Clock).Verify(name => withinTolerance.GetValueOrDefault(name), body);
    }

    [Fact]
    public void DuringARotationEitherSecretsSignatureIsAccepted()
    {
        var (previous, current) = (NewSecret(), NewSecret());
        var (id, body) = DeliveredEvent();
        var now = Clock.GetUtcNow();
        var both = Sign(previous, id, now, body)["webhook-signature"] + " " + Sign(current, id, now, body)["webhook-signature"];
        var timestamp = now.ToUnixTimeSeconds().ToString();

        new WebhookVerifier(current, Clock).Verify(id, timestamp, both, Encoding.UTF8.GetBytes(body));
        new WebhookVerifier(previous, Clock).Verify(id, timestamp, both, Encoding.UTF8.GetBytes(body));
        new WebhookVerifier([NewSecret(), current], Clock).Verify(id, timestamp, Sign(current, id, now, body)["webhook-signature"], Encoding.UTF8.GetBytes(body));
    }

    [Fact]
    public void ASignedBodyThatIsNotACloudEventIsRefused()
    {
        var secret = NewSecret();
        var headers = Sign(secret, "evt_1", Clock.GetUtcNow(), """{"hello":"world"}""");

        Assert.Throws<WebhookVerificationException>(() => new WebhookVerifier(secret, Clock).Verify(name => headers.GetValueOrDefault(name), """{"hello":"world"}"""));
        Assert.Throws<ArgumentException>(() => new WebhookVerifier("whsec_not base64!"));
    }

    private static Dictionary<string, string> Sign(string secret, string id, DateTimeOffset at, string body) => new()
    {
        ["webhook-id"] = id,
        ["webhook-timestamp"] = at.ToUnixTimeSeconds().ToString(),
        ["webhook-signature"] = new StandardWebhook(secret).Sign(id, at, body),
    };

    /// <summary>A delivered event as the server writes it: its own <see cref="MessageView"/> in a CloudEvent, serialized by <see cref="MessageEvents"/>.</summary>
    private static (string Id, string Body) DeliveredEvent()
    {
        var view = new MessageView("msg_1", "+12025550123", "hello", ChatSend.Send.MessageType.Text, "2026-04-15T10:00:00.000Z",
            ChatSend.Messages.MessageStatus.Delivered, true, "+15550100001", "+12025550123")
        {
            StatusHistory =
            [
                new(ChatSend.Messages.MessageStatus.Queued, "2026-04-15T10:00:00.000Z"),
                new(ChatSend.Messages.MessageStatus.Sent, "2026-04-15T10:00:01.000Z"),
                new(ChatSend.Messages.MessageStatus.Delivered, "2026-04-15T10:00:02.000Z"),
            ],
        };
        var cloudEvent = new CloudEvent(MessageEvents.SourceOf("s1"), MessageEvents.TypeOf(ChatSend.Messages.MessageStatus.Delivered),
            BinaryData.FromObjectAsJson(view), "application/json", CloudEventDataFormat.Json)
        {
            Id = "msg_1:delivered",
            Subject = "msg_1",
            Time = DateTimeOffset.Parse("2026-04-15T10:00:02Z"),
        };
        return (cloudEvent.Id, MessageEvents.Serialize(cloudEvent));
    }
}
