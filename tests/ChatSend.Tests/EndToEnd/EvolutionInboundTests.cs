using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Evolution;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// Customers' messages through Evolution API v2, end to end: the fake Evolution (<see cref="EvolutionServer"/>) posts
/// <c>messages.upsert</c> webhooks as Evolution writes them to the local host's <c>POST /webhooks/evolution/{session}</c>
/// over Azurite, and what a user reads back is <c>GET /messages</c>; the files of media messages come from the fake's
/// <c>getBase64FromMediaMessage</c> through <see cref="EvolutionMediaSource"/>. The callback is answered once the message
/// is recorded, so each message can be read as soon as the webhook has its 200.
/// </summary>
public sealed class EvolutionInboundTests(Azurite azurite, EvolutionServer evolution)
    : IClassFixture<Azurite>, IClassFixture<EvolutionServer>, IAsyncLifetime
{
    private const string Token = "hook-token-5d7a";
    private const string Customer = "+12025550123";
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Secrets:evo_api"] = EvolutionServer.ApiKey,
        ["ChatSend:Secrets:evo_wrong_api"] = "not-the-key",
        ["ChatSend:Secrets:evo_hook"] = Token,
        // What each callback reported, and what became of each message, which tests wait for.
        ["Logging:LogLevel:ChatSend.Providers.Callbacks"] = "Debug",
        ["Logging:LogLevel:ChatSend.Inbound"] = "Information",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(Session Session, string Key, string Instance)> NewSessionAsync(string apiKeySecret = "evo_api")
    {
        var instance = evolution.NewInstance();
        var (session, key) = await _app.NewSessionAsync(EvolutionProvider.ProviderName, settings: new Dictionary<string, string>
        {
            ["baseUrl"] = evolution.BaseUrl,
            ["instance"] = instance,
            ["maxPerMinute"] = "0",
            ["minRecipientGapSeconds"] = "0",
        });
        session = session with { SecretNames = new Dictionary<string, string> { ["apiKey"] = apiKeySecret, ["webhookToken"] = "evo_hook" } };
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, key, instance);
    }

    private string WebhookUrl(string session, string token = Token) =>
        new Uri(_app.Http.BaseAddress!, $"/webhooks/evolution/{session}?token={Uri.EscapeDataString(token)}").ToString();

    private async Task PostAsync(Session session, string instance, JsonNode data)
    {
        using var response = await evolution.PostUpsertAsync(WebhookUrl(session.Id), instance, data);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary><c>GET /messages?session=…&amp;chat=…</c>: the conversation, newest first.</summary>
    private async Task<List<JsonElement>> ChatAsync(string key, string session, string chat)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get,
            $"/messages?session={session}&chat={Uri.EscapeDataString(chat)}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Json.ReadAsync(response)).GetProperty("items").EnumerateArray().ToList();
    }

    private static string? ProviderId(JsonElement message) =>
        message.TryGetProperty("providerMessageId", out var id) ? id.GetString() : null;

    /// <summary>The customer's message Evolution knows as <paramref name="keyId"/>, found in its chat and read with <c>GET /messages/{id}</c>.</summary>
    private async Task<JsonElement> ReceivedAsync(string key, Session session, string chat, string keyId)
    {
        var listed = Assert.Single(await ChatAsync(key, session.Id, chat), m => ProviderId(m) == keyId);
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{listed.Str("id")}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    private static void AssertReceived(JsonElement message, Session session, UpsertMessage upsert, string chat, string sender, string type, string content)
    {
        Assert.False(message.GetProperty("fromMe").GetBoolean());
        Assert.Equal("inbound", message.Str("direction"));
        Assert.Equal(chat, message.Str("chat"));
        Assert.Equal(sender, message.Str("sender"));
        Assert.Equal(session.SenderPhone, message.Str("to"));
        Assert.Equal(session.SenderPhone, message.Str("recipient"));
        Assert.Equal("received", message.Str("status"));
        Assert.Equal(type, message.Str("type"));
        Assert.Equal(content, message.Str("content"));
        Assert.Equal(upsert.KeyId, message.Str("providerMessageId"));
        Assert.Equal(MessageView.FormatTime(DateTimeOffset.FromUnixTimeSeconds(upsert.Timestamp)), message.Str("timestamp"));
    }

    private static JsonElement? Field(JsonElement message, string name) =>
        message.TryGetProperty(name, out var value) ? value : null;

    public static TheoryData<string, string, string> Types => new()
    {
        // what the customer sends, ChatSend's type, the content shown
        { "text", "text", "hello, is the shop open?" },
        { "image", "image", "the broken part" },
        { "video", "video", "how it sounds" },
        { "document", "document", "the invoice" },
        { "voice note", "ptt", "" },
        { "audio file", "audio", "" },
        { "sticker", "sticker", "" },
        { "poll", "unsupported", "pollCreationMessage" },
    };

    private static UpsertMessage UpsertOf(string what) => what switch
    {
        "text" => EvolutionUpserts.Text("hello, is the shop open?"),
        "image" => EvolutionUpserts.Image("the broken part"),
        "video" => EvolutionUpserts.Video("how it sounds"),
        "document" => EvolutionUpserts.Document("invoice-0042.pdf", "the invoice"),
        "voice note" => EvolutionUpserts.Audio(ptt: true),
        "audio file" => EvolutionUpserts.Audio(ptt: false, mimeType: "audio/mpeg"),
        "sticker" => EvolutionUpserts.Sticker(),
        "poll" => EvolutionUpserts.Poll("Which day suits you?"),
        _ => throw new ArgumentOutOfRangeException(nameof(what), what, null),
    };

    [Theory]
    [MemberData(nameof(Types))]
    public async Task EachTypeACustomerSendsArrivesAsAReceivedMessageOfTheSession(string what, string type, string content)
    {
        var (session, key, instance) = await NewSessionAsync();
        var upsert = UpsertOf(what) with { Timestamp = 1767261600 }; // 2026-01-01T10:00:00Z

        await PostAsync(session, instance, upsert.ToData());

        var message = await ReceivedAsync(key, session, Customer, upsert.KeyId);
        AssertReceived(message, session, upsert, Customer, Customer, type, content);
        Assert.Equal("2026-01-01T10:00:00.000Z", message.Str("timestamp"));
        Assert.Null(Field(message, "replyTo"));
        foreach (var detail in new[] { "location", "contacts", "reaction", "button" })
            Assert.Null(Field(message, detail));
    }

    [Fact]
    public async Task ALocationArrivesWithItsPlace()
    {
        var (session, key, instance) = await NewSessionAsync();
        var pin = EvolutionUpserts.Location(-23.5613, -46.6565, "Museu de Arte de São Paulo", "Av. Paulista, 1578 - Bela Vista");
        var bare = EvolutionUpserts.Location(51.5007, -0.1246);

        await PostAsync(session, instance, new JsonArray(pin.ToData(), bare.ToData()));

        var message = await ReceivedAsync(key, session, Customer, pin.KeyId);
        AssertReceived(message, session, pin, Customer, Customer, "location", "");
        var location = message.GetProperty("location");
        Assert.Equal((-23.5613, -46.6565), (location.GetProperty("latitude").GetDouble(), location.GetProperty("longitude").GetDouble()));
        Assert.Equal(("Museu de Arte de São Paulo", "Av. Paulista, 1578 - Bela Vista"), (location.Str("name"), location.Str("address")));

        var other = (await ReceivedAsync(key, session, Customer, bare.KeyId)).GetProperty("location");
        Assert.Equal(51.5007, other.GetProperty("latitude").GetDouble());
        Assert.False(other.TryGetProperty("name", out _));
        Assert.False(other.TryGetProperty("address", out _));
    }

    [Fact]
    public async Task SharedContactsArriveWithTheirNamesAndPhoneNumbers()
    {
        var (session, key, instance) = await NewSessionAsync();
        var one = EvolutionUpserts.Contact("Ana Souza", EvolutionUpserts.VCard("Ana Souza",
            "item1.TEL;waid=5511912345678:+55 11 91234-5678", "item1.X-ABLabel:Celular", "TEL;type=WORK:+44 (20) 7946 0958"));
        var many = EvolutionUpserts.Contacts(
            ("Bruno", EvolutionUpserts.VCard("Bruno Lima", "item1.TEL;waid=14155550100:(415) 555-0100")), // saved without its country code
            ("Carla", EvolutionUpserts.VCard("Carla", "TEL:0800 123 456")));

        await PostAsync(session, instance, new JsonArray(one.ToData(), many.ToData()));

        var single = await ReceivedAsync(key, session, Customer, one.KeyId);
        AssertReceived(single, session, one, Customer, Customer, "contacts", "");
        var contact = Assert.Single(single.GetProperty("contacts").EnumerateArray());
        Assert.Equal("Ana Souza", contact.Str("name"));
        Assert.Equal(["+5511912345678", "+442079460958"], contact.GetProperty("phones").EnumerateArray().Select(p => p.GetString()));

        var listed = (await ReceivedAsync(key, session, Customer, many.KeyId)).GetProperty("contacts").EnumerateArray()
            .Select(c => (c.Str("name"), string.Join(",", c.GetProperty("phones").EnumerateArray().Select(p => p.GetString())))).ToList();
        Assert.Equal([("Bruno Lima", "+14155550100"), ("Carla", "0800 123 456")], listed);
    }

    [Fact]
    public async Task AReactionNamesTheMessageItIsOnAndOneTakenBackHasNoEmoji()
    {
        var (session, key, instance) = await NewSessionAsync();
        // A message the session sent, so the reaction's key id is one ChatSend knows once Evolution has answered the send.
        using var sent = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"{{Customer}}","text":"your order has shipped"}"""));
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var sentId = (await Json.ReadAsync(sent)).Str("id");
        await Eventually.MatchesAsync(async () =>
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{sentId}", key));
            return await Json.ReadAsync(response);
        }, m => m.Str("status") == "sent", TimeSpan.FromSeconds(20));
        var call = Assert.Single(evolution.Sent, c => c.Instance == instance);

        var reaction = EvolutionUpserts.Reaction("👍", call.KeyId);
        var removed = EvolutionUpserts.Reaction("", call.KeyId) with { Timestamp = reaction.Timestamp + 5 };
        var unknown = EvolutionUpserts.Reaction("❤️", "3EB0NOTAMESSAGEWEKNOW");
        await PostAsync(session, instance, reaction.ToData());
        await PostAsync(session, instance, removed.ToData());
        await PostAsync(session, instance, unknown.ToData());

        var on = await ReceivedAsync(key, session, Customer, reaction.KeyId);
        AssertReceived(on, session, reaction, Customer, Customer, "reaction", "");
        Assert.Equal(("👍", sentId), (on.GetProperty("reaction").Str("emoji"), on.GetProperty("reaction").Str("messageId")));
        var off = (await ReceivedAsync(key, session, Customer, removed.KeyId)).GetProperty("reaction");
        Assert.Equal(("", sentId), (off.Str("emoji"), off.Str("messageId")));
        var elsewhere = (await ReceivedAsync(key, session, Customer, unknown.KeyId)).GetProperty("reaction");
        Assert.Equal(("❤️", "3EB0NOTAMESSAGEWEKNOW"), (elsewhere.Str("emoji"), elsewhere.Str("messageId")));
    }

    public static TheoryData<string, string?, string> Buttons => new()
    {
        // what was tapped, the id the business gave it, its text
        { "buttons", "track-order", "Track my order" },
        { "list", "size-m", "Medium" },
        { "template", "STOP_PROMOTIONS", "Stop promotions" },
    };

    [Theory]
    [MemberData(nameof(Buttons))]
    public async Task ATappedButtonOrListRowArrivesAsAButtonWithItsIdAndTitle(string kind, string? id, string title)
    {
        var (session, key, instance) = await NewSessionAsync();
        var upsert = kind switch
        {
            "buttons" => EvolutionUpserts.ButtonsResponse(id!, title),
            "list" => EvolutionUpserts.ListResponse(id!, title),
            _ => EvolutionUpserts.TemplateButtonReply(id!, title),
        };

        await PostAsync(session, instance, upsert.ToData());

        var message = await ReceivedAsync(key, session, Customer, upsert.KeyId);
        AssertReceived(message, session, upsert, Customer, Customer, "button", title);
        var button = message.GetProperty("button");
        Assert.Equal((id, title), (button.Str("id"), button.Str("title")));
        Assert.False(button.TryGetProperty("payload", out _));
    }

    [Fact]
    public async Task AReplyNamesTheQuotedMessageByItsChatSendIdWhenKnownElseByTheProvidersId()
    {
        var (session, key, instance) = await NewSessionAsync();
        var first = EvolutionUpserts.Text("do you ship to Porto?");
        var reply = EvolutionUpserts.Text("and to Lisbon?") with { QuotedId = first.KeyId };
        var photo = EvolutionUpserts.Image("this one") with { QuotedId = "3EB0FROMBEFORECHATSEND" };
        await PostAsync(session, instance, first.ToData());
        await PostAsync(session, instance, new JsonArray(reply.ToData(), photo.ToData()));

        var firstId = (await ReceivedAsync(key, session, Customer, first.KeyId)).Str("id");
        var answered = await ReceivedAsync(key, session, Customer, reply.KeyId);
        AssertReceived(answered, session, reply, Customer, Customer, "text", "and to Lisbon?");
        Assert.Equal(firstId, answered.GetProperty("replyTo").GetString());
        var quotedUnknown = (await ReceivedAsync(key, session, Customer, photo.KeyId)).GetProperty("replyTo");
        Assert.Equal("3EB0FROMBEFORECHATSEND", quotedUnknown.Str("providerMessageId"));
    }

    [Fact]
    public async Task AContentOfAnotherShapeIsKeptAsUnsupportedAndFieldsChatSendOnlyShowsMayComeAsTheyWill()
    {
        var (session, key, instance) = await NewSessionAsync();
        var oddText = EvolutionUpserts.Text("still a text");
        var oddTextData = oddText.ToData();
        oddTextData["pushName"] = 42;
        oddTextData["messageTimestamp"] = "1767261600";
        var brokenImage = new UpsertMessage("imageMessage", new JsonObject { ["imageMessage"] = "not an object" });
        var brokenPin = EvolutionUpserts.Location(0, 0);
        var brokenPinData = brokenPin.ToData();
        brokenPinData["message"]!["locationMessage"]!["degreesLatitude"] = "-23.56";

        await PostAsync(session, instance, new JsonArray(oddTextData, brokenImage.ToData(), brokenPinData));

        var text = await ReceivedAsync(key, session, Customer, oddText.KeyId);
        Assert.Equal(("text", "still a text", "2026-01-01T10:00:00.000Z"), (text.Str("type"), text.Str("content"), text.Str("timestamp")));
        AssertReceived(await ReceivedAsync(key, session, Customer, brokenImage.KeyId), session, brokenImage, Customer, Customer, "unsupported", "imageMessage");
        AssertReceived(await ReceivedAsync(key, session, Customer, brokenPin.KeyId), session, brokenPin, Customer, Customer, "unsupported", "locationMessage");
    }

    [Fact]
    public async Task AGroupMessageIsInTheGroupsChatFromTheParticipant()
    {
        var (session, key, instance) = await NewSessionAsync();
        const string group = "120363025246125486@g.us";
        var upsert = EvolutionUpserts.Text("who's coming on Friday?") with { RemoteJid = group, Participant = "447700900123@s.whatsapp.net" };

        await PostAsync(session, instance, upsert.ToData());

        var message = await ReceivedAsync(key, session, group, upsert.KeyId);
        AssertReceived(message, session, upsert, group, "+447700900123", "text", "who's coming on Friday?");
        Assert.Empty(await ChatAsync(key, session.Id, "+447700900123")); // the participant is not a chat of its own
    }

    [Fact]
    public async Task SomeoneAddressedByALidIsShownByTheirPhoneWhenEvolutionGivesItElseByTheLid()
    {
        var (session, key, instance) = await NewSessionAsync();
        // Evolution 2.3.5+ (Baileys 7): the LID in remoteJid/participant, the phone JID beside it.
        var withPhone = EvolutionUpserts.Text("hi from my LID") with
        {
            RemoteJid = "190483847129845@lid", RemoteJidAlt = "5511912345678@s.whatsapp.net", AddressingMode = "lid",
        };
        var inGroup = EvolutionUpserts.Text("me too") with
        {
            RemoteJid = "120363025246125486@g.us", Participant = "270915555123456@lid", ParticipantAlt = "5511987654321@s.whatsapp.net",
            AddressingMode = "lid",
        };
        var lidOnly = EvolutionUpserts.Text("no phone here") with { RemoteJid = "88812345678901@lid", AddressingMode = "lid" };
        // Evolution 2.3.1–2.3.4 (Baileys 6.7): remoteJid already replaced by the phone, senderPn beside it.
        var older = EvolutionUpserts.Text("older Evolution") with { RemoteJid = "5511955554444@s.whatsapp.net" };
        var olderData = older.ToData();
        olderData["key"]!["senderPn"] = "5511955554444@s.whatsapp.net";
        olderData["key"]!["previousRemoteJid"] = "77712345678901@lid";

        await PostAsync(session, instance, new JsonArray(withPhone.ToData(), inGroup.ToData(), lidOnly.ToData(), olderData));

        AssertReceived(await ReceivedAsync(key, session, "+5511912345678", withPhone.KeyId), session, withPhone,
            "+5511912345678", "+5511912345678", "text", "hi from my LID");
        AssertReceived(await ReceivedAsync(key, session, "120363025246125486@g.us", inGroup.KeyId), session, inGroup,
            "120363025246125486@g.us", "+5511987654321", "text", "me too");
        AssertReceived(await ReceivedAsync(key, session, "88812345678901@lid", lidOnly.KeyId), session, lidOnly,
            "88812345678901@lid", "88812345678901@lid", "text", "no phone here");
        AssertReceived(await ReceivedAsync(key, session, "+5511955554444", older.KeyId), session, older,
            "+5511955554444", "+5511955554444", "text", "older Evolution");
        Assert.Empty(await ChatAsync(key, session.Id, "190483847129845@lid"));

        // Seen once with its phone, the LID alone later is the same person's chat.
        var later = EvolutionUpserts.Text("just the LID now") with { RemoteJid = "190483847129845@lid", AddressingMode = "lid" };
        await PostAsync(session, instance, later.ToData());
        AssertReceived(await ReceivedAsync(key, session, "+5511912345678", later.KeyId), session, later,
            "+5511912345678", "+5511912345678", "text", "just the LID now");
    }

    [Fact]
    public async Task TheInstancesOwnMessagesEchoedByUpsertAreNotRecorded()
    {
        var (session, key, instance) = await NewSessionAsync();
        var echo = EvolutionUpserts.Text("sent from the phone") with { FromMe = true };

        await PostAsync(session, instance, echo.ToData());

        // The callback was read and reported nothing (logged before its 200), so there is nothing still to come.
        await _app.Logs.WaitForAsync(1, "evolution callback accepted: 0 reports queued");
        Assert.Empty(await ChatAsync(key, session.Id, Customer));
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains("received from"));
    }

    [Fact]
    public async Task AnUpsertWithAWrongTokenIsRefusedAndRecordsNothing()
    {
        var (session, key, instance) = await NewSessionAsync();
        using var response = await evolution.PostUpsertAsync(WebhookUrl(session.Id, "not-the-token"), instance, EvolutionUpserts.Text("hi").ToData());
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await ChatAsync(key, session.Id, Customer));
    }

    [Fact]
    public async Task TheSameMessageDeliveredAgainOrTwiceAtOnceIsOneMessage()
    {
        var (session, key, instance) = await NewSessionAsync();
        var again = EvolutionUpserts.Text("only once please");
        var atOnce = EvolutionUpserts.Image("also once");

        await PostAsync(session, instance, again.ToData());
        await PostAsync(session, instance, again.ToData());
        await Task.WhenAll(PostAsync(session, instance, atOnce.ToData()), PostAsync(session, instance, atOnce.ToData()));

        var chat = await ChatAsync(key, session.Id, Customer);
        Assert.Equal(2, chat.Count);
        Assert.Single(chat, m => ProviderId(m) == again.KeyId);
        Assert.Single(chat, m => ProviderId(m) == atOnce.KeyId);
        Assert.Equal(2, _app.Logs.Lines.Count(l => l.Contains("was recorded before: a callback delivered again")));
    }

    [Fact]
    public async Task EveryMessageOfAListInOneCallbackIsRecordedAndTheEchoAmongThemIsNot()
    {
        var (session, key, instance) = await NewSessionAsync();
        var first = EvolutionUpserts.Text("first") with { Timestamp = 1767261600 };
        var second = EvolutionUpserts.Text("second") with { Timestamp = 1767261601 };
        var echo = EvolutionUpserts.Text("the shop's own") with { FromMe = true };

        await PostAsync(session, instance, new JsonArray(first.ToData(), echo.ToData(), second.ToData()));

        var chat = await ChatAsync(key, session.Id, Customer);
        Assert.Equal([second.KeyId, first.KeyId], chat.Select(ProviderId)); // newest first
        Assert.Equal(["second", "first"], chat.Select(m => m.Str("content")));
    }

    [Fact]
    public async Task ACustomersImageIsFetchedFromEvolutionAndServedToTheClient()
    {
        var (session, key, instance) = await NewSessionAsync();
        var upsert = EvolutionUpserts.Image("the broken part");
        var bytes = MessageMedia.BytesFor("image/jpeg", 3000);
        evolution.AddMedia(instance, upsert.KeyId, bytes, "image/jpeg");

        await PostAsync(session, instance, upsert.ToData());

        var id = (await ReceivedAsync(key, session, Customer, upsert.KeyId)).Str("id");
        var media = await MessageMedia.SettledAsync(_app.Http, key, id);
        Assert.Equal(($"/messages/{id}/media", "image/jpeg", 3000), (media.Str("url"), media.Str("mimetype"), media.GetProperty("size").GetInt32()));
        var (served, type) = await MessageMedia.FileAsync(_app.Http, key, id);
        Assert.Equal(bytes, served);
        Assert.Equal("image/jpeg", type);
    }

    public static TheoryData<string, int, bool> Files => new()
    {
        // what, its size (its base64 spans chunks and ends with each padding), whether the answer is escaped JSON
        { "image", 1, false },
        { "document", 2, false },
        { "voice note", 100_000, false },
        { "video", 70_001, true },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task TheMediaSourceOpensTheFileOfACustomersMessageFromEvolution(string what, int size, bool escaped)
    {
        var (session, key, instance) = await NewSessionAsync();
        evolution.Instances[instance].EscapedAnswers = escaped;
        var upsert = UpsertOf(what);
        var (mimeType, fileName) = what switch
        {
            "image" => ("image/jpeg", $"{upsert.KeyId}.jpeg"),
            "document" => ("application/pdf", "invoice-0042.pdf"),
            "voice note" => ("audio/ogg; codecs=opus", $"{upsert.KeyId}.oga"),
            _ => ("video/mp4", $"{upsert.KeyId}.mp4"),
        };
        var bytes = RandomNumberGenerator.GetBytes(size);
        evolution.AddMedia(instance, upsert.KeyId, bytes, mimeType, what == "document" ? fileName : null);
        await PostAsync(session, instance, upsert.ToData());
        await ReceivedAsync(key, session, Customer, upsert.KeyId);
        // The reference the callback recorded (the fetch job clears it from the row once the file is settled).
        var reference = EvolutionInbound.Read(session.Id, Json.Parse(upsert.ToData().ToJsonString()))!.Media!;
        var source = Assert.Single(_app.Services.GetServices<IInboundMediaSource>(), s => s.Provider == EvolutionProvider.ProviderName);

        await using var file = await source.OpenAsync(session, reference, CancellationToken.None);
        using var read = new MemoryStream();
        await file.Content.CopyToAsync(read, 4096);

        Assert.Equal(bytes, read.ToArray());
        Assert.Equal((mimeType, fileName, (long?)size), (file.MimeType, file.FileName, file.Length));
        // Asked as Evolution documents it (by the fetch job too, so at least once).
        Assert.All(evolution.MediaRequests.Where(r => r.Instance == instance), request =>
        {
            Assert.Equal(upsert.KeyId, request.Body["message"]!["key"]!["id"]!.GetValue<string>());
            Assert.False(request.Body["convertToMp4"]!.GetValue<bool>());
        });
        Assert.Contains(evolution.MediaRequests, r => r.Instance == instance);
        Assert.Equal(upsert.KeyId, JsonNode.Parse(reference)!["keyId"]!.GetValue<string>()); // the reference: the message's key and type
        Assert.Equal(mimeType, JsonNode.Parse(reference)!["mimetype"]!.GetValue<string>());
    }

    public static TheoryData<string, bool, string> MediaFailures => new()
    {
        // what is wrong, transient, the reason says
        { "no such message", false, "Message not found" },
        { "no instance", false, "(404)" },
        { "wrong key", false, "refused the apikey (401)" },
        { "503", true, "answered 503" },
    };

    [Theory]
    [MemberData(nameof(MediaFailures))]
    public async Task AFileEvolutionCannotGiveIsAPermanentOrTransientFailure(string what, bool transient, string reason)
    {
        var (session, _, instance) = await NewSessionAsync(what == "wrong key" ? "evo_wrong_api" : "evo_api");
        var upsert = EvolutionUpserts.Image("a photo");
        if (what != "no such message")
            evolution.AddMedia(instance, upsert.KeyId, [1, 2, 3], "image/jpeg");
        if (what == "503")
            evolution.Instances[instance].FailWith = 503;
        if (what == "no instance")
            session = session with { ProviderSettings = new Dictionary<string, string>(session.ProviderSettings) { ["instance"] = "missing-instance" } };
        var reference = new EvolutionMediaReference(upsert.KeyId, "12025550123@s.whatsapp.net", FromMe: false, null, "image/jpeg", null).ToJson();
        var source = Assert.Single(_app.Services.GetServices<IInboundMediaSource>(), s => s.Provider == EvolutionProvider.ProviderName);

        var failure = await Assert.ThrowsAsync<ProviderException>(() => source.OpenAsync(session, reference, CancellationToken.None));

        Assert.Equal(transient, failure.IsTransient);
        Assert.Contains(reason, failure.Message);
        Assert.DoesNotContain(EvolutionServer.ApiKey, failure.Message);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains(EvolutionServer.ApiKey));
    }
}
