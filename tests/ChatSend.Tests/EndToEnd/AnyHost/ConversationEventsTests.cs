using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Client;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.EndToEnd.AnyHost;

/// <summary>
/// A customer's messages as an integration hears of them, over HTTP against any host: a webhook registered through the
/// API gets one signed <c>chatsend.message.received</c> event per message, in the order the customer wrote, the photo
/// first even though its file is fetched after the texts are recorded, each with its place in the chat (<c>chatsequence</c>).
/// </summary>
public sealed class ConversationEventsTests(ChatSendTarget target, WebhookReceiver receiver, MediaServer media)
    : IClassFixture<ChatSendTarget>, IClassFixture<WebhookReceiver>, IClassFixture<MediaServer>
{
    [Fact]
    public async Task ACustomersPhotoAndTextsReachAWebhookSignedAndInTheOrderWritten()
    {
        var (session, key) = await target.NewSessionAsync();
        var hook = "h" + Guid.NewGuid().ToString("N")[..10];
        using var created = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Post, $"/sessions/{session.Id}/webhooks", key,
            JsonSerializer.Serialize(new { url = receiver.Url(hook), events = new[] { "chatsend.message.received" } })));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["secret"]!;

        var written = new List<string>();
        foreach (var body in new object[]
                 {
                     new { from = "+14155550123", imageUrl = media.Url("/slow?ms=1500"), text = "the parcel" },
                     new { from = "+14155550123", text = "it came damaged" },
                     new { from = "+14155550123", text = "can you send another?" },
                 })
        {
            using var response = await target.Http.SendAsync(ChatSendTarget.Request(HttpMethod.Post, $"/sandbox/sessions/{session.Id}/inbound", key,
                JsonSerializer.Serialize(body)));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            written.Add((string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!);
        }

        var requests = await Eventually.MatchesAsync(() => Task.FromResult(receiver.For(hook)),
            r => r.Select(x => x.Id).Distinct().Count() >= written.Count, TimeSpan.FromSeconds(90));
        var verifier = new WebhookVerifier(secret);
        var events = requests.Select(r => verifier.Verify(r.Id, r.Timestamp, r.Signature, Encoding.UTF8.GetBytes(r.Body)))
            .DistinctBy(e => e.Id).ToList(); // a redelivery repeats an id

        Assert.Equal(written, events.Select(e => e.Subject));
        Assert.Equal(["000000000001", "000000000002", "000000000003"], events.Select(e => e.ChatSequence));
        Assert.All(events, e => Assert.Equal(MessageStatus.Received, e.Status));
        Assert.Equal($"/messages/{written[0]}/media", events[0].Data!.Media!.Url);
    }
}
