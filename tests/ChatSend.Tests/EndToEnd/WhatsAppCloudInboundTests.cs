using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Auth;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Callbacks;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// What customers send to a <c>whatsapp-cloud</c> session, through the running local host: Meta's signed <c>messages</c>
/// notifications of every type (built by the fake from Meta's documentation) become messages of the session, read back with
/// <c>GET /messages/{id}</c> and listed by chat; a notification delivered twice is one message; and the files of those
/// messages open from the fake's media endpoints with the session's access token.
/// </summary>
public sealed class WhatsAppCloudInboundTests(Azurite azurite, FakeCloudApi cloud)
    : IClassFixture<Azurite>, IClassFixture<FakeCloudApi>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Delivery:MaxAttempts"] = "1",
        ["ChatSend:WhatsAppCloud:Timeout"] = "00:00:05",
        // The recorder's account of each delivery (recorded, or recorded before), which the exactly-once tests count.
        ["Logging:LogLevel:ChatSend.Inbound"] = "Information",
        ["ChatSend:Secrets:wa-token"] = cloud.AccessToken,
        ["ChatSend:Secrets:wa-wrong-token"] = "EAAGnot-the-token",
        ["ChatSend:Secrets:wa-app-secret"] = cloud.AppSecret,
        ["ChatSend:Secrets:wa-other-app-secret"] = "the-secret-of-another-meta-app",
        ["ChatSend:Secrets:wa-verify"] = cloud.VerifyToken,
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(Session Session, string Key)> NewSessionAsync(string tokenSecret = "wa-token")
    {
        var session = new Session("w" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WhatsAppCloudProvider.ProviderName,
            new Dictionary<string, string> { ["phoneNumberId"] = cloud.NewPhoneNumberId(), ["baseUrl"] = cloud.BaseUrl, ["windowPolicy"] = "off" }, Enabled: true,
            new Dictionary<string, string> { ["accessToken"] = tokenSecret, ["appSecret"] = "wa-app-secret", ["verifyToken"] = "wa-verify" });
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }

    private static int _customers = Random.Shared.Next(0, 5000);

    /// <summary>A customer's number (digits, as the Cloud API gives it), unique in this run.</summary>
    private static string NewCustomer() => "1650555" + (Interlocked.Increment(ref _customers) % 10000).ToString("D4");

    private static string PhoneNumberIdOf(Session session) => session.Setting("phoneNumberId")!;

    /// <summary>Meta's notification of <paramref name="messages"/> from <paramref name="customer"/> to the session's number.</summary>
    private static string Notification(Session session, string customer, params JsonObject[] messages) =>
        FakeCloudApi.MessagesPayload(PhoneNumberIdOf(session), FakeCloudApi.Contact(customer), messages);

    /// <summary>Posts a notification signed with the app secret, as Meta does; the answer must be 200.</summary>
    private async Task PostAsync(string body)
    {
        using var response = await cloud.PostWebhookAsync(_app.Http.BaseAddress!, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement> GetAsync(string key, string path)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, path, key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    /// <summary><c>GET /messages?session=…&amp;chat=…[&amp;direction=…]</c>: the chat's messages, newest first.</summary>
    private async Task<IReadOnlyList<JsonElement>> ChatAsync(Session session, string key, string chat, string? direction = null) =>
        (await GetAsync(key, $"/messages?session={session.Id}&chat={Uri.EscapeDataString(chat)}"
                             + (direction is null ? "" : $"&direction={direction}")))
        .GetProperty("items").EnumerateArray().ToList();

    /// <summary>
    /// The customer's message Meta knows as <paramref name="wamid"/>, as <c>GET /messages/{id}</c> shows it, found in its chat. The
    /// callback is answered once the message is recorded, so it is there as soon as the post returns.
    /// </summary>
    private async Task<JsonElement> ReceivedAsync(Session session, string key, string chat, string wamid)
    {
        var listed = (await ChatAsync(session, key, chat, "inbound")).Where(m => m.Str("providerMessageId") == wamid).ToList();
        Assert.Single(listed);
        return await GetAsync(key, $"/messages/{Uri.EscapeDataString(listed[0].Str("id"))}");
    }

    private async Task<MessageEntity> StoredAsync(string id)
    {
        Assert.True(MessageId.TryParse(id, out var messageId));
        return (await _app.Services.GetRequiredService<MessageStore>().FindAsync(messageId))!;
    }

    private IInboundMediaSource MediaSource =>
        _app.Services.GetServices<IInboundMediaSource>().Single(s => s.Provider == WhatsAppCloudProvider.ProviderName);

    /// <summary>Sends a text through <c>POST /send</c> and waits until the fake took it: ChatSend's id and Meta's wamid for it.</summary>
    private async Task<(string Id, string Wamid)> SendAsync(Session session, string key, string customer, string text)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"+{{customer}}","text":"{{text}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await Json.ReadAsync(response)).Str("id");
        var sent = await Eventually.MatchesAsync(() => StoredAsync(id), m => m.Status == "sent", TimeSpan.FromSeconds(20));
        return (id, sent.ProviderMessageId!);
    }

    private static DateTimeOffset Seconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());

    [Fact]
    public async Task ATextArrivesAsAReceivedInboundMessageFromTheCustomerToTheSessionsNumber()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var wamid = FakeCloudApi.NewMessageId();
        var at = Seconds(DateTimeOffset.UtcNow.AddMinutes(-3));

        await PostAsync(Notification(session, customer,
            FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("Does it come in another color?"), at, wamid)));

        var message = await ReceivedAsync(session, key, "+" + customer, wamid);
        Assert.False(message.GetProperty("fromMe").GetBoolean());
        Assert.Equal("inbound", message.Str("direction"));
        Assert.Equal("+" + customer, message.Str("chat"));
        Assert.Equal("+" + customer, message.Str("sender"));
        Assert.Equal(session.SenderPhone, message.Str("to"));
        Assert.Equal(session.SenderPhone, message.Str("recipient"));
        Assert.Equal("received", message.Str("status"));
        Assert.Equal("text", message.Str("type"));
        Assert.Equal("Does it come in another color?", message.Str("content"));
        Assert.Equal(wamid, message.Str("providerMessageId"));
        Assert.Equal(MessageView.FormatTime(at), message.Str("timestamp")); // when the customer sent it, by Meta's clock
        Assert.False(message.TryGetProperty("replyTo", out _));
        Assert.Equal(["received"], message.GetProperty("statusHistory").EnumerateArray().Select(h => h.Str("status")));
    }

    public static TheoryData<string, string, string?, string?, bool?, string> MediaTypes => new()
    {
        // Cloud type, MIME type, caption, file name, voice, ChatSend type
        { "image", "image/jpeg", "a caption", null, null, "image" },
        { "video", "video/mp4", "a video", null, null, "video" },
        { "document", "application/pdf", "the report", "report.pdf", null, "document" },
        { "audio", "audio/ogg; codecs=opus", null, null, true, "ptt" },
        { "audio", "audio/mpeg", null, null, false, "audio" },
        { "sticker", "image/webp", null, null, null, "sticker" },
    };

    [Theory]
    [MemberData(nameof(MediaTypes))]
    public async Task AFileArrivesAsItsTypeWithItsCaptionAndAReferenceThatOpensItsBytes(string cloudType, string mimeType, string? caption,
        string? fileName, bool? voice, string type)
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var bytes = MessageMedia.BytesFor(mimeType, 3000);
        var file = cloud.AddMedia(bytes, mimeType, PhoneNumberIdOf(session));
        var wamid = FakeCloudApi.NewMessageId();
        var content = cloudType == "sticker" ? FakeCloudApi.StickerContent(file) : FakeCloudApi.MediaContent(file, caption, fileName, voice);

        await PostAsync(Notification(session, customer, FakeCloudApi.Message(customer, cloudType, content, id: wamid)));

        var message = await ReceivedAsync(session, key, "+" + customer, wamid);
        Assert.Equal(type, message.Str("type"));
        Assert.Equal(caption ?? "", message.Str("content"));
        // The fetch job opens the file through Meta's media endpoints (GET /{media-id}, then its url, with the token),
        // stages it, and the client reads the very bytes the customer sent.
        var media = await MessageMedia.SettledAsync(_app.Http, key, message.Str("id"));
        Assert.Equal(($"/messages/{message.Str("id")}/media", bytes.Length, fileName), (media.Str("url"), media.GetProperty("size").GetInt32(),
            media.TryGetProperty("filename", out var name) && fileName is not null ? name.GetString() : fileName));
        var (served, servedType) = await MessageMedia.FileAsync(_app.Http, key, message.Str("id"));
        Assert.Equal(bytes, served);
        Assert.Equal(mimeType.Split(';')[0], servedType);
    }

    [Fact]
    public async Task ALocationAndSharedContactsShowWhatTheCustomerShared()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var (place, card) = (FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId());

        await PostAsync(Notification(session, customer,
            FakeCloudApi.Message(customer, "location", FakeCloudApi.LocationContent(37.483307, -122.148981, "Philz Coffee",
                "101 Forest Ave, Palo Alto, CA 94301"), id: place),
            FakeCloudApi.Message(customer, "contacts", FakeCloudApi.ContactsContent("Barbara Johnson", "+1 (940) 555-1234", "+1 650 555 0100"),
                id: card)));

        var location = await ReceivedAsync(session, key, "+" + customer, place);
        Assert.Equal("location", location.Str("type"));
        var at = location.GetProperty("location");
        Assert.Equal(37.483307, at.GetProperty("latitude").GetDouble());
        Assert.Equal(-122.148981, at.GetProperty("longitude").GetDouble());
        Assert.Equal("Philz Coffee", at.Str("name"));
        Assert.Equal("101 Forest Ave, Palo Alto, CA 94301", at.Str("address"));

        var contacts = await ReceivedAsync(session, key, "+" + customer, card);
        Assert.Equal("contacts", contacts.Str("type"));
        var shared = Assert.Single(contacts.GetProperty("contacts").EnumerateArray());
        Assert.Equal("Barbara Johnson", shared.Str("name"));
        Assert.Equal(["+1 (940) 555-1234", "+1 650 555 0100"], shared.GetProperty("phones").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task TappedReplyButtonsListRowsAndTemplateQuickRepliesAreButtons()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var template = FakeCloudApi.NewMessageId(); // a message the business sent that ChatSend does not know
        var (tapped, row, quick) = (FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId());

        await PostAsync(Notification(session, customer,
            FakeCloudApi.Message(customer, "interactive", FakeCloudApi.ButtonReplyContent("change-button", "Change"), id: tapped, replyTo: template),
            FakeCloudApi.Message(customer, "interactive", FakeCloudApi.ListReplyContent("priority_express", "Express Shipping", "Next Day to 2 Days"),
                id: row, replyTo: template),
            FakeCloudApi.Message(customer, "button", FakeCloudApi.QuickReplyContent("Unsubscribe", "unsubscribe-payload"), id: quick,
                replyTo: template)));

        var button = await ReceivedAsync(session, key, "+" + customer, tapped);
        Assert.Equal("button", button.Str("type"));
        Assert.Equal("change-button", button.GetProperty("button").Str("id"));
        Assert.Equal("Change", button.GetProperty("button").Str("title"));
        Assert.Equal(template, button.GetProperty("replyTo").Str("providerMessageId"));

        var listRow = await ReceivedAsync(session, key, "+" + customer, row);
        Assert.Equal("button", listRow.Str("type"));
        Assert.Equal("priority_express", listRow.GetProperty("button").Str("id"));
        Assert.Equal("Express Shipping", listRow.GetProperty("button").Str("title"));

        var quickReply = await ReceivedAsync(session, key, "+" + customer, quick);
        Assert.Equal("button", quickReply.Str("type"));
        Assert.False(quickReply.GetProperty("button").TryGetProperty("id", out _));
        Assert.Equal("Unsubscribe", quickReply.GetProperty("button").Str("title"));
        Assert.Equal("unsubscribe-payload", quickReply.GetProperty("button").Str("payload"));
    }

    [Fact]
    public async Task AReactionNamesTheMessageItIsOnAndARemovedReactionHasAnEmptyEmoji()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var (sentId, sentWamid) = await SendAsync(session, key, customer, "your order has shipped");
        var unknown = FakeCloudApi.NewMessageId();
        var (liked, removed, elsewhere) = (FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId());

        await PostAsync(Notification(session, customer,
            FakeCloudApi.Message(customer, "reaction", FakeCloudApi.ReactionContent(sentWamid, "\ud83d\ude00"), id: liked),
            FakeCloudApi.Message(customer, "reaction", FakeCloudApi.ReactionContent(sentWamid, null), id: removed),
            FakeCloudApi.Message(customer, "reaction", FakeCloudApi.ReactionContent(unknown, "\u2764\ufe0f"), id: elsewhere)));

        var reaction = await ReceivedAsync(session, key, "+" + customer, liked);
        Assert.Equal("reaction", reaction.Str("type"));
        Assert.Equal("\ud83d\ude00", reaction.GetProperty("reaction").Str("emoji"));
        Assert.Equal(sentId, reaction.GetProperty("reaction").Str("messageId")); // ChatSend's id of the message it sent
        var taken = await ReceivedAsync(session, key, "+" + customer, removed);
        Assert.Equal("", taken.GetProperty("reaction").Str("emoji"));
        Assert.Equal(sentId, taken.GetProperty("reaction").Str("messageId"));
        var other = await ReceivedAsync(session, key, "+" + customer, elsewhere);
        Assert.Equal(unknown, other.GetProperty("reaction").Str("messageId")); // a message ChatSend does not know: Meta's id
    }

    [Fact]
    public async Task AReplyQuotesChatSendsIdOfAMessageItSentOrReceivedAndMetasIdOfAnyOther()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var (sentId, sentWamid) = await SendAsync(session, key, customer, "which size?");
        var (first, second, third, unknown) =
            (FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId());

        await PostAsync(Notification(session, customer, FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("medium"), id: first, replyTo: sentWamid)));
        await PostAsync(Notification(session, customer, FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("no, large"), id: second, replyTo: first)));
        await PostAsync(Notification(session, customer, FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("?"), id: third, replyTo: unknown)));

        Assert.Equal(sentId, (await ReceivedAsync(session, key, "+" + customer, first)).GetProperty("replyTo").GetString());
        var firstId = (await ReceivedAsync(session, key, "+" + customer, first)).Str("id");
        Assert.Equal(firstId, (await ReceivedAsync(session, key, "+" + customer, second)).GetProperty("replyTo").GetString());
        Assert.Equal(unknown, (await ReceivedAsync(session, key, "+" + customer, third)).GetProperty("replyTo").Str("providerMessageId"));
    }

    [Fact]
    public async Task UnsupportedAndUnknownTypesArriveAsUnsupportedWithTheirTypeName()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var (poll, order, flow) = (FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId());

        await PostAsync(Notification(session, customer,
            FakeCloudApi.Message(customer, "unsupported", FakeCloudApi.UnsupportedContent("poll_creation"), id: poll),
            FakeCloudApi.Message(customer, "order", new JsonObject { ["catalog_id"] = "194836987003835", ["product_items"] = new JsonArray() }, id: order),
            FakeCloudApi.Message(customer, "interactive", new JsonObject
            {
                ["type"] = "nfm_reply",
                ["nfm_reply"] = new JsonObject { ["name"] = "flow", ["body"] = "Sent", ["response_json"] = "{}" },
            }, id: flow)));

        foreach (var (wamid, content) in new[] { (poll, "poll_creation"), (order, "order"), (flow, "interactive.nfm_reply") })
        {
            var message = await ReceivedAsync(session, key, "+" + customer, wamid);
            Assert.Equal("unsupported", message.Str("type"));
            Assert.Equal(content, message.Str("content"));
        }
    }

    [Fact]
    public async Task TheSameNotificationDeliveredTwiceIsOneMessage()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var wamid = FakeCloudApi.NewMessageId();
        var body = Notification(session, customer, FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("hello?"), id: wamid));

        await PostAsync(body);
        await PostAsync(body); // Meta retries a notification it thinks failed

        var chat = await ChatAsync(session, key, "+" + customer);
        var message = Assert.Single(chat);
        Assert.Equal(wamid, message.Str("providerMessageId"));
        Assert.Single(_app.Logs.Lines, l => l.Contains($"Message {message.Str("id")} (text) received from", StringComparison.Ordinal));
        Assert.Single(_app.Logs.Lines, l => l.Contains($"Message {message.Str("id")} was recorded before", StringComparison.Ordinal));
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains(customer, StringComparison.Ordinal)); // the number is masked in logs
    }

    [Fact]
    public async Task TwoDeliveriesOfTheSameNotificationAtOnceAreOneMessage()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var wamid = FakeCloudApi.NewMessageId();
        var body = Notification(session, customer, FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("anyone there?"), id: wamid));

        await Task.WhenAll(PostAsync(body), PostAsync(body));

        var message = Assert.Single(await ChatAsync(session, key, "+" + customer));
        Assert.Single(_app.Logs.Lines, l => l.Contains($"Message {message.Str("id")} (text) received from", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AChangeWithAStatusAndAMessageAppliesBoth()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var (sentId, sentWamid) = await SendAsync(session, key, customer, "your table is ready");
        var wamid = FakeCloudApi.NewMessageId();

        await PostAsync(FakeCloudApi.MessagesPayload(PhoneNumberIdOf(session), FakeCloudApi.Contact(customer),
            [FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("on my way"), id: wamid, replyTo: sentWamid)],
            [FakeCloudApi.Status(sentWamid, "read", DateTimeOffset.UtcNow)]));

        Assert.Equal(sentId, (await ReceivedAsync(session, key, "+" + customer, wamid)).GetProperty("replyTo").GetString());
        await Eventually.MatchesAsync(() => StoredAsync(sentId), m => m.Status == "read", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task AMessageOfAnotherShapeThanDocumentedDoesNotLoseTheOthers()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var (before, oddContent, after) = (FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId());
        var noId = FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("lost"));
        noId["id"] = 12345; // not a string: no message can be recorded for it
        var imageAsText = FakeCloudApi.Message(customer, "image", null, id: oddContent);
        imageAsText["image"] = "not an object";

        await PostAsync(Notification(session, customer,
            FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("first"), id: before),
            noId,
            imageAsText,
            FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("last"), id: after)));

        Assert.Equal("first", (await ReceivedAsync(session, key, "+" + customer, before)).Str("content"));
        Assert.Equal("last", (await ReceivedAsync(session, key, "+" + customer, after)).Str("content"));
        var odd = await ReceivedAsync(session, key, "+" + customer, oddContent); // recorded, not lost: its content is unreadable
        Assert.Equal("unsupported", odd.Str("type"));
        Assert.Equal("image", odd.Str("content"));
        Assert.Equal(3, (await ChatAsync(session, key, "+" + customer)).Count);
    }

    [Fact]
    public async Task ListingByChatAndDirectionShowsOneConversation()
    {
        var (session, key) = await NewSessionAsync();
        var (customer, other) = (NewCustomer(), NewCustomer());
        var (sentId, _) = await SendAsync(session, key, customer, "hi, how can we help?");
        var now = Seconds(DateTimeOffset.UtcNow);
        var (older, newer) = (FakeCloudApi.NewMessageId(), FakeCloudApi.NewMessageId());

        await PostAsync(Notification(session, customer,
            FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("one"), now.AddSeconds(-2), older),
            FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("two"), now.AddSeconds(-1), newer)));
        await PostAsync(Notification(session, other, FakeCloudApi.Message(other, "text", FakeCloudApi.TextContent("someone else"))));

        var inbound = await ChatAsync(session, key, "+" + customer, "inbound");
        Assert.Equal([newer, older], inbound.Select(m => m.Str("providerMessageId"))); // newest first
        Assert.All(inbound, m => Assert.Equal("inbound", m.Str("direction")));
        var conversation = await ChatAsync(session, key, "+" + customer);
        Assert.Equal(3, conversation.Count);
        Assert.Contains(conversation, m => m.Str("id") == sentId && m.Str("direction") == "outbound");
        Assert.Equal([sentId], (await ChatAsync(session, key, "+" + customer, "outbound")).Select(m => m.Str("id")));
    }

    [Fact]
    public async Task AUserWhoseNumberIsHiddenIsTheirBusinessScopedIdAndANumberBesideItIsTheChat()
    {
        var (session, key) = await NewSessionAsync();
        var userId = "US." + Random.Shared.NextInt64(10_000_000_000_000, 99_999_999_999_999);
        var hidden = FakeCloudApi.NewMessageId();
        var customer = NewCustomer();
        var shown = FakeCloudApi.NewMessageId();

        // A user with a username: no wa_id, no from; the BSUID in contacts[].user_id and messages[].from_user_id.
        await PostAsync(FakeCloudApi.MessagesPayload(PhoneNumberIdOf(session), FakeCloudApi.Contact(null, "Pablo", userId),
            [FakeCloudApi.Message(null, "text", FakeCloudApi.TextContent("hola"), id: hidden, fromUserId: userId)]));
        // Every user's messages carry a BSUID since April 2026; with the number beside it, the number is the chat.
        await PostAsync(FakeCloudApi.MessagesPayload(PhoneNumberIdOf(session), FakeCloudApi.Contact(customer, userId: "US.17" + customer),
            [FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("hi"), id: shown, fromUserId: "US.17" + customer)]));

        var byId = await ReceivedAsync(session, key, userId, hidden);
        Assert.Equal(userId, byId.Str("chat"));
        Assert.Equal(userId, byId.Str("sender"));
        var byNumber = await ReceivedAsync(session, key, "+" + customer, shown);
        Assert.Equal("+" + customer, byNumber.Str("chat"));
        Assert.Equal("+" + customer, byNumber.Str("sender"));

        // Once seen with its number, the user id alone (the number hidden again) stays that person's chat.
        var later = FakeCloudApi.NewMessageId();
        await PostAsync(FakeCloudApi.MessagesPayload(PhoneNumberIdOf(session), FakeCloudApi.Contact(null, userId: "US.17" + customer),
            [FakeCloudApi.Message(null, "text", FakeCloudApi.TextContent("hidden again"), id: later, fromUserId: "US.17" + customer)]));
        var byIdAfter = await ReceivedAsync(session, key, "+" + customer, later);
        Assert.Equal(("+" + customer, "+" + customer), (byIdAfter.Str("chat"), byIdAfter.Str("sender")));
    }

    [Fact]
    public async Task TheReportCarriesTheNumberBesideABusinessScopedIdForTheRecorderToJoinThem()
    {
        var (session, _) = await NewSessionAsync();
        var callback = _app.Services.GetRequiredService<WhatsAppCloudCallback>();
        var customer = NewCustomer();
        var (userId, other) = ("US.17" + customer, "US.99" + customer);
        IReadOnlyList<InboundReport> Parse(JsonObject contact, JsonObject message)
        {
            var body = FakeCloudApi.MessagesPayload(PhoneNumberIdOf(session), contact, [message]);
            return callback.Parse(new CallbackRequest(new DefaultHttpContext().Request, null, Encoding.UTF8.GetBytes(body)), Json.Parse(body))
                .Cast<InboundReport>().ToList();
        }

        var both = Assert.Single(Parse(FakeCloudApi.Contact(customer, userId: userId), FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("hi"), fromUserId: userId)));
        Assert.Equal((userId, userId, "+" + customer), (both.Chat, both.Sender, both.SenderPhone)); // the recorder shows the number
        var idAlone = Assert.Single(Parse(FakeCloudApi.Contact(null, userId: userId), FakeCloudApi.Message(null, "text", FakeCloudApi.TextContent("hi"), fromUserId: userId)));
        Assert.Equal((userId, userId, null), (idAlone.Chat, idAlone.Sender, idAlone.SenderPhone));
        var numberAlone = Assert.Single(Parse(FakeCloudApi.Contact(customer), FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("hi")))); // before April 2026
        Assert.Equal(("+" + customer, null), (numberAlone.Sender, numberAlone.SenderPhone));
        // A message naming another user than the change's contact is that user's, not the contact's number.
        var mismatch = Assert.Single(Parse(FakeCloudApi.Contact(customer, userId: userId), FakeCloudApi.Message(null, "text", FakeCloudApi.TextContent("hi"), fromUserId: other)));
        Assert.Equal((other, null), (mismatch.Sender, mismatch.SenderPhone));
    }

    [Fact]
    public async Task AGroupMessageIsInTheGroupsChatFromTheParticipant()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var group = "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD" + Random.Shared.Next(1000, 9999);
        var wamid = FakeCloudApi.NewMessageId();

        await PostAsync(Notification(session, customer,
            FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("hello all"), id: wamid, groupId: group)));

        var message = await ReceivedAsync(session, key, group, wamid);
        Assert.Equal(group, message.Str("chat"));
        Assert.Equal("+" + customer, message.Str("sender"));
        Assert.Empty(await ChatAsync(session, key, "+" + customer)); // not in the participant's own conversation
    }

    [Fact]
    public async Task ANotificationWithAWrongSignatureRecordsNothing()
    {
        var (session, key) = await NewSessionAsync();
        var customer = NewCustomer();
        var body = Notification(session, customer, FakeCloudApi.Message(customer, "text", FakeCloudApi.TextContent("let me in")));

        using var response = await cloud.PostWebhookAsync(_app.Http.BaseAddress!, body, cloud.Sign(body, "the-secret-of-another-meta-app"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await ChatAsync(session, key, "+" + customer));
    }

    [Fact]
    public async Task TheMediaSourceRetrievesTheUrlAndDownloadsWithTheAccessTokenForTheSessionsNumberOnly()
    {
        var (session, _) = await NewSessionAsync();
        var file = cloud.AddMedia("%PDF-1.7 a customer's invoice"u8.ToArray(), "application/pdf", PhoneNumberIdOf(session));
        var reference = new CloudMediaReference(file.Id, file.MimeType, file.Sha256, "invoice.pdf").ToJson();

        await using (var opened = await MediaSource.OpenAsync(session, reference, CancellationToken.None))
        {
            using var read = new MemoryStream();
            await opened.Content.CopyToAsync(read);
            Assert.Equal(file.Bytes, read.ToArray());
            Assert.Equal("invoice.pdf", opened.FileName);
        }

        var calls = cloud.MediaCalls.Where(c => c.MediaId == file.Id).ToList();
        Assert.Equal(["retrieve", "download"], calls.Select(c => c.Step));
        Assert.All(calls, c => Assert.True(c.Authorized));
        Assert.Equal(PhoneNumberIdOf(session), calls[0].PhoneNumberId);
        // A session of another number cannot fetch this number's media, and says so.
        var (other, _) = await NewSessionAsync();
        var refused = await Assert.ThrowsAsync<ProviderException>(() => MediaSource.OpenAsync(other, reference, CancellationToken.None));
        Assert.False(refused.IsTransient);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains(cloud.AccessToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMediaIdWhatsAppNoLongerHasOrNeverHadIsAPermanentFailure()
    {
        var (session, _) = await NewSessionAsync();

        var expired = await Assert.ThrowsAsync<ProviderException>(() =>
            MediaSource.OpenAsync(session, new CloudMediaReference(cloud.ExpiredMediaId()).ToJson(), CancellationToken.None));
        Assert.False(expired.IsTransient);
        Assert.Contains("WhatsApp does not have this media", expired.Message);
        var unknown = await Assert.ThrowsAsync<ProviderException>(() =>
            MediaSource.OpenAsync(session, new CloudMediaReference("1234567890").ToJson(), CancellationToken.None));
        Assert.False(unknown.IsTransient);
        Assert.Contains("Meta error 100", unknown.Message);
        var notAReference = await Assert.ThrowsAsync<ProviderException>(() =>
            MediaSource.OpenAsync(session, "https://example.com/file.jpg", CancellationToken.None));
        Assert.False(notAReference.IsTransient);
    }

    [Fact]
    public async Task AWrongAccessTokenIsPermanentAndNeverWrittenToTheLog()
    {
        var (session, _) = await NewSessionAsync(tokenSecret: "wa-wrong-token");
        var file = cloud.AddMedia([1, 2, 3], "image/jpeg", PhoneNumberIdOf(session));

        var error = await Assert.ThrowsAsync<ProviderException>(() =>
            MediaSource.OpenAsync(session, new CloudMediaReference(file.Id).ToJson(), CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("access token", error.Message);
        Assert.DoesNotContain("EAAGnot-the-token", error.Message);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains("EAAGnot-the-token", StringComparison.Ordinal));
        Assert.DoesNotContain(cloud.MediaCalls, c => c.MediaId == file.Id && c.Step == "download");
    }

    [Theory]
    [InlineData(429, 4, "7")]
    [InlineData(503, 1, null)]
    public async Task ThrottlingAndMetasOwnTroubleAreTransient(int status, int code, string? retryAfter)
    {
        var (session, _) = await NewSessionAsync();
        var file = cloud.AddMedia([1, 2, 3], "image/jpeg", PhoneNumberIdOf(session));
        cloud.MediaScripts[file.Id] = new FakeCloudApi.Scripted(status, FakeCloudApi.Error(code, "Please try again later"), retryAfter);

        var error = await Assert.ThrowsAsync<ProviderException>(() =>
            MediaSource.OpenAsync(session, new CloudMediaReference(file.Id).ToJson(), CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Equal(retryAfter is null ? null : TimeSpan.FromSeconds(7), error.RetryAfter);
    }
}
