using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Auth;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Waha;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// What customers send through WAHA, end to end: the fake WAHA posts its signed <c>message</c> and
/// <c>message.reaction</c> events (each engine's shape) to the local host over Azurite, and each becomes the session's
/// received message, read back as a client reads it (<c>GET /messages?chat=</c>, <c>GET /messages/{id}</c>). The file of
/// a message is opened from the fake's files endpoint by the WAHA media source, with the session's key, and only there.
/// </summary>
public sealed class WahaInboundTests(Azurite azurite, FakeWaha waha)
    : IClassFixture<Azurite>, IClassFixture<FakeWaha>, IAsyncLifetime
{
    private const string Customer = "+14155550123";
    private const string CustomerJid = "14155550123@c.us";
    private const string Group = "120363012345678901@g.us";
    private const string Lid = "205481592783134@lid";
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Secrets:waha_key"] = FakeWaha.ApiKey,
        ["ChatSend:Secrets:waha_wrong_key"] = "not-the-key",
        ["ChatSend:Secrets:waha_hmac"] = FakeWaha.HmacKey,
        // The pipeline's count of what each callback reported, and the recorder's account of each message.
        ["Logging:LogLevel:ChatSend.Providers.Callbacks"] = "Debug",
        ["Logging:LogLevel:ChatSend.Inbound"] = "Information",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(Session Session, string Key, string WahaSession)> NewSessionAsync(string apiKeySecret = "waha_key", string? baseUrl = null)
    {
        var id = "t" + Guid.NewGuid().ToString("N")[..12];
        var wahaSession = "w" + Guid.NewGuid().ToString("N")[..10];
        var session = new Session(id, "+15550100001", WahaProvider.ProviderName,
            new Dictionary<string, string> { ["baseUrl"] = baseUrl ?? waha.BaseUrl, ["wahaSession"] = wahaSession, ["maxPerMinute"] = "0", ["minRecipientGapSeconds"] = "0" },
            Enabled: true, SecretNames: new Dictionary<string, string> { ["apiKey"] = apiKeySecret, ["webhookHmacKey"] = "waha_hmac" });
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        waha.Sessions[wahaSession] = "WORKING";
        return (session, await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]), wahaSession);
    }

    private async Task PostAsync(string session, string wahaSession, JsonObject payload, string @event = "message")
    {
        using var response = await waha.PostMessageAsync(_app.Http.BaseAddress!, session, wahaSession, payload, @event);
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"{(int)response.StatusCode}: {string.Join("\n", _app.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)))}");
    }

    /// <summary>
    /// The file reference the callback records for a message (what the fetch job hands <see cref="WahaMediaSource"/>; the
    /// job clears it from the row once the file is settled, so tests of the source take it from the parser).
    /// </summary>
    private static string ReferenceOf(string session, JsonObject payload) =>
        WahaInbound.Message(new WahaEvent("message", Json.Parse(payload.ToJsonString())), session)!.Media!;

    /// <summary>The session's messages of one chat, newest first, as <c>GET /messages?chat=</c> lists them.</summary>
    private async Task<JsonElement[]> ChatAsync(string session, string key, string chat)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get,
            $"/messages?session={session}&chat={Uri.EscapeDataString(chat)}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Json.ReadAsync(response)).GetProperty("items").EnumerateArray().ToArray();
    }

    /// <summary>The one message of <paramref name="chat"/> with WAHA's id, as <c>GET /messages/{id}</c> shows it.</summary>
    private async Task<JsonElement> ReceivedAsync(string session, string key, string chat, JsonObject payload)
    {
        var providerId = payload["id"]!.GetValue<string>();
        var listed = Assert.Single(await ChatAsync(session, key, chat), m => m.Str("providerMessageId") == providerId);
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{listed.Str("id")}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = await Json.ReadAsync(response);
        Assert.False(message.GetProperty("fromMe").GetBoolean());
        Assert.Equal(("inbound", "received", chat), (message.Str("direction"), message.Str("status"), message.Str("chat")));
        Assert.Equal(("+15550100001", "+15550100001"), (message.Str("to"), message.Str("recipient")));
        return message;
    }

    private async Task<MessageEntity> RowAsync(JsonElement message)
    {
        Assert.True(MessageId.TryParse(message.Str("id"), out var id));
        return (await _app.Services.GetRequiredService<MessageStore>().FindAsync(id))!;
    }

    private IInboundMediaSource MediaSource =>
        Assert.Single(_app.Services.GetServices<IInboundMediaSource>(), s => s.Provider == WahaProvider.ProviderName);

    [Fact]
    public async Task ACustomersTextIsAReceivedMessageOfTheirChatAtTheTimeWahaGives()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 180);
        var payload = FakeWaha.Message(CustomerJid, "Is my order ready?", data: FakeWaha.Webjs("chat"), timestamp: sentAt.ToUnixTimeSeconds());

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Customer, payload);
        Assert.Equal((Customer, "text", "Is my order ready?"), (message.Str("sender"), message.Str("type"), message.Str("content")));
        Assert.Equal(payload["id"]!.GetValue<string>(), message.Str("providerMessageId"));
        Assert.Equal(MessageView.FormatTime(sentAt), message.Str("timestamp"));
        Assert.False(message.TryGetProperty("replyTo", out _));
    }

    /// <summary>The sender of a group message: the documented <c>participant</c>, else <c>author</c>, else the engine's own field.</summary>
    [Theory]
    [InlineData("participant")]
    [InlineData("author")]
    [InlineData("webjs _data.author")]
    [InlineData("noweb _data.key.participant")]
    public async Task AGroupMessageIsOfTheGroupFromItsParticipant(string where)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var payload = where switch
        {
            "participant" => FakeWaha.Message(Group, "Hello all", participant: CustomerJid, data: FakeWaha.Webjs("chat")),
            "webjs _data.author" => FakeWaha.Message(Group, "Hello all",
                data: FakeWaha.Webjs("chat", new JsonObject { ["author"] = new JsonObject { ["server"] = "c.us", ["user"] = "14155550123", ["_serialized"] = CustomerJid } })),
            "noweb _data.key.participant" => FakeWaha.Message(Group, "Hello all",
                data: FakeWaha.Noweb(Group, new JsonObject { ["conversation"] = "Hello all" }, new JsonObject { ["participant"] = "14155550123@s.whatsapp.net" })),
            _ => FakeWaha.Message(Group, "Hello all", data: FakeWaha.Webjs("chat")),
        };
        if (where == "author")
            payload["author"] = CustomerJid;

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Group, payload);
        Assert.Equal((Group, Customer), (message.Str("chat"), message.Str("sender")));
        Assert.Empty(await ChatAsync(session.Id, key, Customer)); // the participant's own chat holds none of the group's messages
    }

    /// <summary>
    /// Each file type as each engine tells it: WEBJS's <c>_data.type</c>, NOWEB's and GOWS's content key (an audio file and
    /// a voice note are both Ogg Opus: only <c>ptt</c> tells them apart), and without engine data the MIME type alone.
    /// </summary>
    [Theory]
    [InlineData("webjs:image", "image/jpeg", null, "image", "Look at this")]
    [InlineData("webjs:video", "video/mp4", null, "video", "Look at this")]
    [InlineData("webjs:document", "application/pdf", "invoice.pdf", "document", "Look at this")]
    [InlineData("webjs:audio", "audio/mpeg", null, "audio", "")]
    [InlineData("webjs:ptt", "audio/ogg; codecs=opus", null, "ptt", "")]
    [InlineData("webjs:sticker", "image/webp", null, "sticker", "")]
    [InlineData("noweb:audioMessage:ptt", "audio/ogg; codecs=opus", null, "ptt", "")]
    [InlineData("noweb:audioMessage", "audio/ogg; codecs=opus", null, "audio", "")]
    [InlineData("noweb:stickerMessage", "image/webp", null, "sticker", "")]
    [InlineData("noweb:imageMessage", "image/jpeg", null, "image", "Look at this")]
    [InlineData("noweb:documentWithCaptionMessage", "application/pdf", "invoice.pdf", "document", "Look at this")]
    [InlineData("gows:videoMessage", "video/mp4", null, "video", "Look at this")]
    [InlineData("gows:audioMessage:ptt", "audio/ogg; codecs=opus", null, "ptt", "")]
    [InlineData("documented", "audio/ogg; codecs=opus", null, "ptt", "")]
    [InlineData("documented", "image/png", null, "image", "Look at this")]
    [InlineData("documented", "application/zip", "photos.zip", "document", "")]
    public async Task EachFileTypeArrivesWithItsCaptionAndTheReferenceToWahasFile(string engine, string mimeType, string? filename,
        string type, string caption)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var id = FakeWaha.ReceivedId(CustomerJid);
        var bytes = MessageMedia.BytesFor(mimeType, 100);
        var url = waha.AddFile(wahaSession, id, "bin", bytes, mimeType);
        var payload = FakeWaha.Message(CustomerJid, caption, id: id, data: EngineData(engine, mimeType, caption),
            media: FakeWaha.Media(url, mimeType, filename));

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Customer, payload);
        Assert.Equal((type, caption), (message.Str("type"), message.Str("content")));
        // The fetch job reads WAHA's file at media.url with the API key; the client gets the very bytes.
        var media = await MessageMedia.SettledAsync(_app.Http, key, message.Str("id"));
        Assert.True(media.TryGetProperty("url", out _), media.ToString());
        Assert.Equal(bytes, (await MessageMedia.FileAsync(_app.Http, key, message.Str("id"))).Bytes);
    }

    private static JsonObject? EngineData(string engine, string mimeType, string caption)
    {
        var parts = engine.Split(':');
        var content = new JsonObject { ["mimetype"] = mimeType, ["caption"] = caption.Length > 0 ? caption : null };
        if (parts.Length > 2 && parts[2] == "ptt")
            content["ptt"] = true;
        return parts[0] switch
        {
            "webjs" => FakeWaha.Webjs(parts[1]),
            "noweb" when parts[1] == "documentWithCaptionMessage" => FakeWaha.Noweb(CustomerJid, new JsonObject
            {
                ["documentWithCaptionMessage"] = new JsonObject { ["message"] = new JsonObject { ["documentMessage"] = content } },
                ["messageContextInfo"] = new JsonObject(),
            }),
            "noweb" => FakeWaha.Noweb(CustomerJid, new JsonObject { [parts[1]] = content }),
            "gows" => FakeWaha.Gows(new JsonObject { ["Chat"] = "14155550123@s.whatsapp.net", ["Type"] = "media" }, new JsonObject { [parts[1]] = content }),
            _ => null,
        };
    }

    [Theory]
    [InlineData("WEBJS")]
    [InlineData("NOWEB")]
    public async Task ALocationArrivesWithItsCoordinatesNameAndAddressAndNotWahasThumbnail(string engine)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var payload = engine == "WEBJS"
            // WEBJS: the documented location (coordinates as strings, the name and address as the description's lines);
            // body is the map's JPEG thumbnail.
            ? FakeWaha.Message(CustomerJid, "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/",
                data: FakeWaha.Webjs("location"))
            // NOWEB leaves the documented location empty: the Baileys locationMessage holds it.
            : FakeWaha.Message(CustomerJid, null, data: FakeWaha.Noweb(CustomerJid, new JsonObject
            {
                ["locationMessage"] = new JsonObject
                {
                    ["degreesLatitude"] = 37.7955, ["degreesLongitude"] = -122.3937, ["name"] = "Ferry Building", ["address"] = "1 Ferry Building, San Francisco",
                },
            }));
        if (engine == "WEBJS")
            payload["location"] = new JsonObject { ["latitude"] = "37.7955", ["longitude"] = "-122.3937", ["description"] = "Ferry Building\n1 Ferry Building, San Francisco" };

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Customer, payload);
        Assert.Equal(("location", ""), (message.Str("type"), message.Str("content")));
        var location = message.GetProperty("location");
        Assert.Equal((37.7955, -122.3937, "Ferry Building", "1 Ferry Building, San Francisco"),
            (location.GetProperty("latitude").GetDouble(), location.GetProperty("longitude").GetDouble(), location.Str("name"), location.Str("address")));
    }

    private const string JaneCard = "BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;;\nFN:Jane Doe\nTEL;type=CELL;type=VOICE;waid=14155550199:+1 415-555-0199\nEND:VCARD";
    private const string ShopCard = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;Corner Shop;;;\r\nitem1.TEL;waid=442079460958:+44 20 7946 0958\r\nitem2.TEL:+44 20 7946 0000\r\nEND:VCARD";

    [Theory]
    [InlineData("WEBJS")]
    [InlineData("NOWEB")]
    public async Task SharedContactsArriveAsContactsWithTheirNamesAndNumbers(string engine)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        JsonObject payload;
        if (engine == "WEBJS")
        {
            // WEBJS: the documented vCards; body holds the first card's raw text.
            payload = FakeWaha.Message(CustomerJid, JaneCard, data: FakeWaha.Webjs("multi_vcard"));
            payload["vCards"] = new JsonArray(JaneCard, ShopCard);
        }
        else
            payload = FakeWaha.Message(CustomerJid, null, data: FakeWaha.Noweb(CustomerJid, new JsonObject
            {
                ["contactsArrayMessage"] = new JsonObject
                {
                    ["displayName"] = "2 contacts",
                    ["contacts"] = new JsonArray(new JsonObject { ["displayName"] = "Jane Doe", ["vcard"] = JaneCard },
                        new JsonObject { ["displayName"] = "Corner Shop", ["vcard"] = ShopCard }),
                },
            }));

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Customer, payload);
        Assert.Equal(("contacts", ""), (message.Str("type"), message.Str("content")));
        Assert.Equal(
            [("Jane Doe", "+1 415-555-0199"), ("Corner Shop", "+44 20 7946 0958, +44 20 7946 0000")],
            message.GetProperty("contacts").EnumerateArray().Select(c =>
                (c.Str("name"), string.Join(", ", c.GetProperty("phones").EnumerateArray().Select(p => p.GetString())))));
    }

    [Theory]
    [InlineData("WEBJS")]
    [InlineData("NOWEB")]
    public async Task AReactionNamesChatSendsIdOfTheMessageItIsOnAndARemovedOneIsEmpty(string engine)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var text = FakeWaha.Message(CustomerJid, "See you at 5", data: FakeWaha.Webjs("chat"));
        await PostAsync(session.Id, wahaSession, text);
        var reactedTo = await ReceivedAsync(session.Id, key, Customer, text);

        var reaction = FakeWaha.Reaction(CustomerJid, CustomerJid, text["id"]!.GetValue<string>(), "👍", engine);
        await PostAsync(session.Id, wahaSession, reaction, "message.reaction");
        var unknown = "true_14155550123@c.us_3EB0AAAAAAAAAAAAAAAA";
        var removed = FakeWaha.Reaction(CustomerJid, CustomerJid, unknown, "", engine);
        await PostAsync(session.Id, wahaSession, removed, "message.reaction");

        var liked = await ReceivedAsync(session.Id, key, Customer, reaction);
        Assert.Equal(("reaction", Customer), (liked.Str("type"), liked.Str("sender")));
        Assert.Equal(("👍", reactedTo.Str("id")), (liked.GetProperty("reaction").Str("emoji"), liked.GetProperty("reaction").Str("messageId")));
        var cleared = (await ReceivedAsync(session.Id, key, Customer, removed)).GetProperty("reaction");
        Assert.Equal(("", unknown), (cleared.Str("emoji"), cleared.Str("messageId")));
    }

    [Theory]
    [InlineData("WEBJS")]
    [InlineData("NOWEB")]
    public async Task AReactionInAGroupIsOfTheGroupFromTheParticipantWhateverTheEngine(string engine)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var reaction = FakeWaha.Reaction(Group, CustomerJid, "false_120363012345678901@g.us_3EB0BBBBBBBBBBBBBBBB", "❤️", engine);

        await PostAsync(session.Id, wahaSession, reaction, "message.reaction");

        var message = await ReceivedAsync(session.Id, key, Group, reaction);
        Assert.Equal(("reaction", Customer), (message.Str("type"), message.Str("sender")));
    }

    [Theory]
    [InlineData("webjs:buttons_response")]
    [InlineData("webjs:list_response")]
    [InlineData("noweb:buttonsResponseMessage")]
    [InlineData("noweb:listResponseMessage")]
    public async Task ATappedButtonOrListRowArrivesAsAButtonWithItsIdAndTitle(string engine)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var data = engine switch
        {
            "webjs:buttons_response" => FakeWaha.Webjs("buttons_response", new JsonObject { ["selectedButtonId"] = "track-order" }),
            "webjs:list_response" => FakeWaha.Webjs("list_response", new JsonObject
            {
                ["listResponse"] = new JsonObject { ["title"] = "Track my order", ["singleSelectReply"] = new JsonObject { ["selectedRowId"] = "track-order" } },
            }),
            "noweb:buttonsResponseMessage" => FakeWaha.Noweb(CustomerJid, new JsonObject
            {
                ["buttonsResponseMessage"] = new JsonObject { ["selectedButtonId"] = "track-order", ["selectedDisplayText"] = "Track my order", ["type"] = 1 },
            }),
            _ => FakeWaha.Noweb(CustomerJid, new JsonObject
            {
                ["listResponseMessage"] = new JsonObject
                {
                    ["title"] = "Track my order", ["listType"] = 1, ["singleSelectReply"] = new JsonObject { ["selectedRowId"] = "track-order" },
                },
            }),
        };
        var payload = FakeWaha.Message(CustomerJid, engine.StartsWith("webjs:buttons") ? "Track my order" : null, data: data);

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Customer, payload);
        Assert.Equal(("button", "Track my order"), (message.Str("type"), message.Str("content")));
        Assert.Equal(("track-order", "Track my order"), (message.GetProperty("button").Str("id"), message.GetProperty("button").Str("title")));
    }

    [Theory]
    [InlineData("webjs", "poll_creation")]
    [InlineData("noweb", "pollCreationMessageV3")]
    public async Task ATypeChatSendDoesNotKnowIsUnsupportedNamedAsWahaNamesIt(string engine, string name)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var data = engine == "webjs"
            ? FakeWaha.Webjs(name)
            : FakeWaha.Noweb(CustomerJid, new JsonObject { [name] = new JsonObject { ["name"] = "Lunch?", ["options"] = new JsonArray() } });
        var payload = FakeWaha.Message(CustomerJid, "Lunch?", data: data);

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Customer, payload);
        Assert.Equal(("unsupported", name), (message.Str("type"), message.Str("content")));
    }

    /// <summary>
    /// A reply to a message the session sent names it by ChatSend's id, whether the engine gives the quoted id whole or
    /// (WEBJS) as WhatsApp's short id with the session as its participant; an id ChatSend never saw stays WAHA's.
    /// </summary>
    [Fact]
    public async Task AReplyNamesTheQuotedMessageByChatSendsIdWhenKnown()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        using var send = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"{{Customer}}","text":"Your order has shipped"}"""));
        Assert.Equal(HttpStatusCode.Accepted, send.StatusCode);
        var sentId = (await Json.ReadAsync(send)).Str("id");
        MessageId.TryParse(sentId, out var sentMessageId);
        var sent = await Eventually.MatchesAsync(async () => await _app.Services.GetRequiredService<MessageStore>().FindAsync(sentMessageId),
            m => m?.ProviderMessageId is not null);
        var whole = sent!.ProviderMessageId!;

        var replies = new[]
        {
            (Quoted: new JsonObject { ["id"] = whole, ["participant"] = FakeWaha.MeId, ["body"] = "Your order has shipped" }, Expected: sentId),
            (Quoted: new JsonObject { ["id"] = whole.Split('_')[^1], ["participant"] = FakeWaha.MeId }, Expected: sentId),
            (Quoted: new JsonObject { ["id"] = "false_14155550123@c.us_3EB0CCCCCCCCCCCCCCCC", ["participant"] = CustomerJid }, Expected: null),
        };
        foreach (var (quoted, expected) in replies)
        {
            var reply = FakeWaha.Message(CustomerJid, "Thanks!", data: FakeWaha.Webjs("chat"));
            reply["replyTo"] = quoted;
            await PostAsync(session.Id, wahaSession, reply);
            var replyTo = (await ReceivedAsync(session.Id, key, Customer, reply)).GetProperty("replyTo");
            if (expected is not null)
                Assert.Equal(expected, replyTo.GetString());
            else
                Assert.Equal(quoted["id"]!.GetValue<string>(), replyTo.Str("providerMessageId"));
        }
    }

    /// <summary>
    /// WAHA names a LID sender's phone number only in its engine's data (NOWEB's Baileys key, GOWS's whatsmeow info, with
    /// a device suffix at times); where it does, the phone number is the chat and the sender, and a client finds the
    /// conversation by the number it knows.
    /// </summary>
    [Theory]
    [InlineData("noweb:remoteJidAlt", "14155550123@s.whatsapp.net")]
    [InlineData("noweb:remoteJidAlt", "14155550123:3@s.whatsapp.net")]
    [InlineData("noweb:senderPn", "14155550123@s.whatsapp.net")]
    [InlineData("gows:SenderAlt", "14155550123@s.whatsapp.net")]
    public async Task ALidWithItsPhoneNumberShowsThePhoneNumber(string where, string phoneJid)
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var data = where == "gows:SenderAlt"
            ? FakeWaha.Gows(new JsonObject { ["Chat"] = Lid, ["Sender"] = Lid, ["SenderAlt"] = phoneJid, ["IsGroup"] = false }, new JsonObject { ["conversation"] = "Hi" })
            : FakeWaha.Noweb(Lid, new JsonObject { ["conversation"] = "Hi" }, new JsonObject { [where.Split(':')[1]] = phoneJid });
        var payload = FakeWaha.Message(Lid, "Hi", data: data);

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Customer, payload);
        Assert.Equal((Customer, Customer), (message.Str("chat"), message.Str("sender")));
        Assert.Empty(await ChatAsync(session.Id, key, Lid));
    }

    [Fact]
    public async Task ALidSeenOnceWithItsPhoneNumberStaysThatChatWhenItComesAlone()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var withPhone = FakeWaha.Message(Lid, "Hi", data: FakeWaha.Noweb(Lid, new JsonObject { ["conversation"] = "Hi" },
            new JsonObject { ["remoteJidAlt"] = "14155550123@s.whatsapp.net" }));
        var alone = FakeWaha.Message(Lid, "It's me again", data: FakeWaha.Noweb(Lid, new JsonObject { ["conversation"] = "It's me again" }));

        await PostAsync(session.Id, wahaSession, withPhone);
        await ReceivedAsync(session.Id, key, Customer, withPhone);
        await PostAsync(session.Id, wahaSession, alone);

        var again = await ReceivedAsync(session.Id, key, Customer, alone);
        Assert.Equal((Customer, Customer), (again.Str("chat"), again.Str("sender")));
        Assert.Empty(await ChatAsync(session.Id, key, Lid));
    }

    [Fact]
    public async Task AGroupParticipantsLidWithItsPhoneNumberShowsThePhoneNumberAsTheSender()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var data = FakeWaha.Noweb(Group, new JsonObject { ["conversation"] = "Hi all" },
            new JsonObject { ["participant"] = Lid, ["participantAlt"] = "14155550123@s.whatsapp.net" });
        var payload = FakeWaha.Message(Group, "Hi all", participant: Lid, data: data);

        await PostAsync(session.Id, wahaSession, payload);

        Assert.Equal(Customer, (await ReceivedAsync(session.Id, key, Group, payload)).Str("sender"));
    }

    [Fact]
    public async Task ALidAloneIsTheChatAndSenderAsWahaGivesIt()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var payload = FakeWaha.Message(Lid, "Hi", data: FakeWaha.Noweb(Lid, new JsonObject { ["conversation"] = "Hi" }));

        await PostAsync(session.Id, wahaSession, payload);

        Assert.Equal(Lid, (await ReceivedAsync(session.Id, key, Lid, payload)).Str("sender"));
    }

    /// <summary>
    /// The session's own messages (an echo of a send, one typed on the phone), <c>message.any</c> (the same messages
    /// again, and the session's own), a contact's status update and the session's own reaction are acknowledged and
    /// record nothing: the pipeline counts no report for any of them, and the session has no message. The same
    /// customer's message as a <c>message</c> event is then recorded, so the listing would have shown one.
    /// </summary>
    [Fact]
    public async Task TheSessionsOwnMessagesMessageAnyAndStatusUpdatesRecordNothing()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var echo = FakeWaha.Message(CustomerJid, "Your order has shipped", data: FakeWaha.Webjs("chat"));
        echo["fromMe"] = true;
        echo["from"] = FakeWaha.MeId;
        echo["to"] = CustomerJid;
        var customers = FakeWaha.Message(CustomerJid, "Thanks!", data: FakeWaha.Webjs("chat"));
        var status = FakeWaha.Message("status@broadcast", "My holiday", participant: CustomerJid, data: FakeWaha.Webjs("chat"));
        var ownReaction = FakeWaha.Reaction(CustomerJid, FakeWaha.MeId, customers["id"]!.GetValue<string>(), "👍");
        ownReaction["fromMe"] = true;

        await PostAsync(session.Id, wahaSession, echo);
        await PostAsync(session.Id, wahaSession, customers, "message.any");
        await PostAsync(session.Id, wahaSession, status);
        await PostAsync(session.Id, wahaSession, ownReaction, "message.reaction");

        await _app.Logs.WaitForAsync(4, "waha callback accepted: 0 reports");
        Assert.Empty(await ChatAsync(session.Id, key, Customer));
        Assert.Empty(await ChatAsync(session.Id, key, "status@broadcast"));

        await PostAsync(session.Id, wahaSession, customers);
        Assert.Single(await ChatAsync(session.Id, key, Customer));
    }

    [Fact]
    public async Task TheSameMessageDeliveredAgainOrTwiceAtOnceIsOneMessage()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var again = FakeWaha.Message(CustomerJid, "first", data: FakeWaha.Webjs("chat"), timestamp: now - 10);
        var atOnce = FakeWaha.Message(CustomerJid, "second", data: FakeWaha.Webjs("chat"), timestamp: now - 5);

        await PostAsync(session.Id, wahaSession, again);
        await PostAsync(session.Id, wahaSession, again);
        await Task.WhenAll(PostAsync(session.Id, wahaSession, atOnce), PostAsync(session.Id, wahaSession, atOnce));

        var chat = await ChatAsync(session.Id, key, Customer);
        Assert.Equal(["second", "first"], chat.Select(m => m.Str("content")));
        Assert.Equal(2, await _app.Logs.WaitForAsync(2, "was recorded before"));
    }

    [Fact]
    public async Task FieldsOfAnotherShapeLoseOnlyThemselves()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60);
        var payload = FakeWaha.Message(CustomerJid, "still here", data: FakeWaha.Webjs("chat"));
        payload["timestamp"] = sentAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        payload["participant"] = 42;
        payload["vCards"] = "none";
        payload["location"] = "here";
        payload["replyTo"] = "that one";
        payload["media"] = 7;
        payload["hasMedia"] = "no";
        payload["fromMe"] = "false";

        await PostAsync(session.Id, wahaSession, payload);

        var message = await ReceivedAsync(session.Id, key, Customer, payload);
        Assert.Equal(("text", "still here", MessageView.FormatTime(sentAt)), (message.Str("type"), message.Str("content"), message.Str("timestamp")));
    }

    [Fact]
    public async Task TheFileOfAReceivedMessageOpensFromWahaWithTheSessionsKeyWhichIsNeverLogged()
    {
        var (session, key, wahaSession) = await NewSessionAsync();
        var bytes = RandomNumberGenerator.GetBytes(5000);
        var id = FakeWaha.ReceivedId(CustomerJid);
        var url = waha.AddFile(wahaSession, id, "jpeg", bytes, "image/jpeg");
        var payload = FakeWaha.Message(CustomerJid, "", id: id, data: FakeWaha.Webjs("image"), media: FakeWaha.Media(url, "image/jpeg"));
        await PostAsync(session.Id, wahaSession, payload);
        await ReceivedAsync(session.Id, key, Customer, payload);

        await using var file = await MediaSource.OpenAsync(session, ReferenceOf(session.Id, payload), CancellationToken.None);
        using var read = new MemoryStream();
        await file.Content.CopyToAsync(read);

        Assert.Equal(bytes, read.ToArray());
        Assert.Equal(("image/jpeg", 5000L), (file.MimeType, file.Length));
        // Asked with the key (by the fetch job as well, so at least once), never without it.
        Assert.All(waha.FileRequests.Where(r => r.Path == $"{wahaSession}/{id}.jpeg"), r => Assert.Equal(FakeWaha.ApiKey, r.ApiKeyHeader));
        Assert.Contains(waha.FileRequests, r => r.Path == $"{wahaSession}/{id}.jpeg");
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains(FakeWaha.ApiKey, StringComparison.Ordinal));
    }

    /// <summary>
    /// A reference to a file anywhere but the session's own WAHA files, even a server that would answer (the fake under
    /// another name), is refused before any request, so the key never leaves for it; the refusal names no path (which
    /// holds the customer's number).
    /// </summary>
    [Theory]
    [InlineData("another host")]
    [InlineData("another scheme")]
    [InlineData("another WAHA endpoint")]
    [InlineData("a way out of the files")]
    [InlineData("an encoded way out of the files")]
    [InlineData("user info")]
    public async Task AFileAnywhereButTheSessionsWahaFilesIsRefusedWithoutARequest(string where)
    {
        var (session, _, wahaSession) = await NewSessionAsync();
        var file = $"{wahaSession}/false_14155550123@c.us_3EB0DDDDDDDDDDDDDDDD.jpeg";
        waha.Files[file] = ([1, 2, 3], "image/jpeg");
        var url = where switch
        {
            "another host" => $"http://localhost:{waha.Port}/api/files/{file}",
            "another scheme" => $"https://127.0.0.1:{waha.Port}/api/files/{file}",
            "another WAHA endpoint" => $"{waha.BaseUrl}/api/sessions/{wahaSession}",
            "a way out of the files" => $"{waha.BaseUrl}/api/files/../sessions/{wahaSession}",
            "an encoded way out of the files" => $"{waha.BaseUrl}/api/files/%2e%2e/sessions/{wahaSession}",
            _ => $"http://someone@127.0.0.1:{waha.Port}/api/files/{file}",
        };
        var requestsBefore = waha.FileRequests.Count;

        var refused = await Assert.ThrowsAsync<ProviderException>(() =>
            MediaSource.OpenAsync(session, new WahaMediaReference(url, "image/jpeg", null).ToJson(), CancellationToken.None));

        Assert.False(refused.IsTransient);
        Assert.DoesNotContain("14155550123", refused.Message);
        Assert.Equal(requestsBefore, waha.FileRequests.Count);
    }

    [Theory]
    [InlineData("wrong key", false)]
    [InlineData("gone", false)]
    [InlineData("503", true)]
    [InlineData("429", true)]
    [InlineData("unreachable", true)]
    [InlineData("not downloaded", false)]
    [InlineData("download failed", false)]
    public async Task WahasAnswerForAFileIsTransientOrPermanentAsItMeans(string answer, bool transient)
    {
        using var closed = new ClosedPort();
        var (session, key, wahaSession) = await NewSessionAsync(apiKeySecret: answer == "wrong key" ? "waha_wrong_key" : "waha_key",
            baseUrl: answer == "unreachable" ? closed.BaseUrl : null);
        var id = FakeWaha.ReceivedId(CustomerJid);
        var url = waha.AddFile(wahaSession, id, "ogg", [1, 2, 3], "audio/ogg");
        var reference = answer switch
        {
            "gone" => new WahaMediaReference(url.Replace(".ogg", ".oga"), "audio/ogg", null),
            "unreachable" => new WahaMediaReference(url.Replace(waha.BaseUrl, closed.BaseUrl), "audio/ogg", null),
            "not downloaded" or "download failed" => null,
            _ => new WahaMediaReference(url, "audio/ogg", null),
        };
        if (answer is "503" or "429")
            waha.AnswerNextFile(int.Parse(answer, System.Globalization.CultureInfo.InvariantCulture));
        string stored;
        if (reference is null)
        {
            // WAHA saw a file but did not download it (WHATSAPP_DOWNLOAD_MEDIA=false), or failed to: the message still arrives.
            var payload = FakeWaha.Message(CustomerJid, null, id: id, data: FakeWaha.Webjs("ptt"));
            payload["hasMedia"] = true;
            if (answer == "download failed")
                payload["media"] = new JsonObject { ["url"] = null, ["mimetype"] = "audio/ogg", ["error"] = new JsonObject { ["message"] = $"Failed to download {id}" } };
            await PostAsync(session.Id, wahaSession, payload);
            await ReceivedAsync(session.Id, key, Customer, payload);
            stored = ReferenceOf(session.Id, payload);
        }
        else
            stored = reference.ToJson();

        var failed = await Assert.ThrowsAsync<ProviderException>(() => MediaSource.OpenAsync(session, stored, CancellationToken.None));

        Assert.Equal(transient, failed.IsTransient);
        Assert.DoesNotContain("14155550123", failed.Message);
        if (answer == "not downloaded")
            Assert.Contains("WHATSAPP_DOWNLOAD_MEDIA", failed.Message);
        if (answer == "download failed")
            Assert.StartsWith("WAHA could not download the file: {\"message\":\"Failed to download false_…@c.us_", failed.Message);
    }
}
