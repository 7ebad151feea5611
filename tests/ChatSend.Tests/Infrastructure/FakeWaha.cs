using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// WAHA (devlikeapro/waha) on 127.0.0.1, written from its documentation: the send endpoints check the
/// <c>X-Api-Key</c>, the JSON fields each requires, the chat id form and the session (unknown: 404; not WORKING: 422
/// with the session's status, as WAHA's session manager answers), download media from <c>file.url</c> and answer
/// 201 with the message as the WEBJS engine does (<c>id._serialized</c>) or as NOWEB does (<c>key.id</c>). NestJS
/// error bodies throughout. A send's <c>reply_to</c> must be a serialized message id; <c>POST /api/sendSeen</c> marks
/// messages read (<see cref="Seen"/>). <see cref="PostAckAsync"/> plays WAHA's <c>message.ack</c> webhook, signed as WAHA signs.
/// </summary>
public sealed partial class FakeWaha : FakeHttpServer
{
    private readonly HttpClient _http = new();
    private readonly ConcurrentQueue<Answer> _scripted = new();

    public const string ApiKey = "waha-test-key";
    public const string HmacKey = "waha-test-hmac";

    /// <summary>WAHA sessions by name and status (WORKING, STARTING, SCAN_QR_CODE, STOPPED, FAILED).</summary>
    public ConcurrentDictionary<string, string> Sessions { get; } = new();

    /// <summary>How the send endpoints answer a message id: "WEBJS" (id._serialized) or "NOWEB" (key.id).</summary>
    public string Engine { get; set; } = "WEBJS";

    public ConcurrentQueue<Call> Calls { get; } = new();

    /// <summary>A WAHA send request that passed every check, with the SHA-256 of the media WAHA downloaded.</summary>
    public sealed record Call(string Path, JsonObject Body, string? MediaSha256, string MessageId, string? ApiKeyHeader);

    public sealed record Answer(int Status, string Body, string? RetryAfter = null, TimeSpan? Delay = null);

    /// <summary>Every accepted <c>POST /api/sendSeen</c>, with its body as sent.</summary>
    public ConcurrentQueue<JsonObject> Seen { get; } = new();

    /// <summary>The next send request (after the key check) gets this answer instead of being handled.</summary>
    public void AnswerNext(Answer answer) => _scripted.Enqueue(answer);

    public IEnumerable<Call> CallsFor(string chatId) => Calls.Where(c => c.Body["chatId"]?.GetValue<string>() == chatId);

    protected override void Map(WebApplication app)
    {
        foreach (var path in (string[])["/api/sendText", "/api/send/link-custom-preview", "/api/sendImage", "/api/sendVideo", "/api/sendFile", "/api/sendVoice"])
            app.MapPost(path, (Delegate)((HttpContext context) => HandleAsync(context, path)));
        app.MapPost("/api/sendSeen", (Delegate)SendSeenAsync);
        app.MapGet("/api/contacts/check-exists", (Delegate)CheckExistsAsync);
        // GET /api/sessions/{session}: the session's name and status, as WAHA's sessions API answers it.
        app.MapGet("/api/sessions/{name}", (HttpContext context, string name) =>
            context.Request.Headers["X-Api-Key"].ToString() != ApiKey ? Nest(401, """{"message":"Unauthorized","statusCode":401}""")
            : Sessions.TryGetValue(name, out var status) ? Results.Json(new { name, status })
            : Nest(404, $$"""{"message":"Session \"{{name}}\" does not exist","statusCode":404}"""));
        // GET /api/files/{session}/{message id}.{ext}: the files WAHA downloaded from received messages, behind the API key.
        app.MapGet("/api/files/{**path}", (HttpContext context, string path) => ServeFile(context, path));
    }

    private async Task<IResult> HandleAsync(HttpContext context, string path)
    {
        var key = context.Request.Headers["X-Api-Key"].ToString();
        if (key != ApiKey)
            return Nest(401, """{"message":"Unauthorized","statusCode":401}""");
        if (_scripted.TryDequeue(out var scripted))
        {
            if (scripted.Delay is { } delay)
                await Task.Delay(delay, context.RequestAborted); // a slow answer, as scripted
            if (scripted.RetryAfter is not null)
                context.Response.Headers.RetryAfter = scripted.RetryAfter;
            return Nest(scripted.Status, scripted.Body);
        }
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
            return BadRequest("Content-Type must be application/json");
        JsonObject body;
        try
        {
            body = JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync()) as JsonObject
                ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            return BadRequest("the body is not a JSON object");
        }

        var errors = new List<string>();
        var session = Str(body, "session");
        var chatId = Str(body, "chatId");
        if (session is null) errors.Add("session must be a string");
        if (chatId is null || !ChatIdPattern().IsMatch(chatId)) errors.Add("chatId must be <digits>@c.us or a group id <digits>@g.us");
        // Every send request takes reply_to: the serialized id of the message to quote (chatting.dto.ts, ReplyToProperty).
        if (body["reply_to"] is { } replyTo && (replyTo.GetValueKind() != JsonValueKind.String || !SerializedIdPattern().IsMatch(replyTo.GetValue<string>())))
            errors.Add("reply_to must be a message id such as false_11111111111@c.us_AAAAAAAAAAAAAAAAAAAA");
        JsonObject? file = null;
        switch (path)
        {
            case "/api/sendText":
                if (Str(body, "text") is null) errors.Add("text must be a string");
                break;
            case "/api/send/link-custom-preview":
                if (Str(body, "text") is null) errors.Add("text must be a string");
                if (body["preview"] is not JsonObject preview) errors.Add("preview must be an object");
                else
                {
                    if (Str(preview, "url") is null) errors.Add("preview.url must be a string");
                    if (Str(preview, "title") is null) errors.Add("preview.title must be a string");
                    if (preview["image"] is { } image && (image is not JsonObject o || Str(o, "url") is null)) errors.Add("preview.image.url must be a string");
                }
                break;
            default:
                file = body["file"] as JsonObject;
                if (file is null || Str(file, "url") is null || Str(file, "mimetype") is null)
                    errors.Add("file must hold url and mimetype");
                else if (path == "/api/sendVoice" && !Str(file, "mimetype")!.StartsWith("audio/", StringComparison.Ordinal))
                    errors.Add("file.mimetype must be audio for a voice message");
                if (body["caption"] is { } caption && caption.GetValueKind() != JsonValueKind.String)
                    errors.Add("caption must be a string");
                break;
        }
        if (errors.Count > 0)
            return BadRequest(errors.ToArray());

        if (!Sessions.TryGetValue(session!, out var status))
            return Nest(404, JsonSerializer.Serialize(new { statusCode = 404, message = $"We didn't find a session with name '{session}'.", error = "Not Found" }));
        if (status != "WORKING")
            return Nest(422, JsonSerializer.Serialize(new
            {
                error = "Session status is not as expected. Try again later or restart the session",
                session, status, expected = new[] { "WORKING" },
            }));

        string? sha = null;
        if (file is not null)
        {
            using var media = await _http.GetAsync(Str(file, "url"));
            if (!media.IsSuccessStatusCode)
                return Nest(500, JsonSerializer.Serialize(new { statusCode = 500, message = $"Request failed with status code {(int)media.StatusCode}", error = "Internal Server Error" }));
            sha = Convert.ToHexStringLower(SHA256.HashData(await media.Content.ReadAsByteArrayAsync()));
        }

        var shortId = "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var serialized = $"true_{chatId}_{shortId}";
        Calls.Enqueue(new Call(path, body, sha, serialized, key));
        var answer = Engine == "NOWEB"
            ? JsonSerializer.Serialize(new { key = new { remoteJid = chatId!.Replace("@c.us", "@s.whatsapp.net"), fromMe = true, id = shortId }, status = 1, messageTimestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() })
            : JsonSerializer.Serialize(new { id = new { fromMe = true, remote = chatId, id = shortId, _serialized = serialized }, ack = 0, fromMe = true, to = chatId, hasMedia = file is not null });
        return Nest(201, answer);
    }

    /// <summary>
    /// <c>POST /api/sendSeen</c> (SendSeenRequest): <c>session</c> and <c>chatId</c>, <c>messageIds</c> (the serialized ids to
    /// mark; without them WAHA reads the whole chat, which this fake refuses, as ChatSend always names the message) and, for
    /// the NOWEB engine in groups, <c>participant</c>. Answered 201 with no body, as NestJS answers a handler that returns
    /// nothing. Scripted answers (<see cref="AnswerNext"/>) apply here too.
    /// </summary>
    private async Task<IResult> SendSeenAsync(HttpContext context)
    {
        if (context.Request.Headers["X-Api-Key"].ToString() != ApiKey)
            return Nest(401, """{"message":"Unauthorized","statusCode":401}""");
        if (_scripted.TryDequeue(out var scripted))
        {
            if (scripted.RetryAfter is not null)
                context.Response.Headers.RetryAfter = scripted.RetryAfter;
            return Nest(scripted.Status, scripted.Body);
        }
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true
            || JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync()) is not JsonObject body)
            return BadRequest("the body must be a JSON object");
        var errors = new List<string>();
        var session = Str(body, "session");
        if (session is null) errors.Add("session must be a string");
        if (Str(body, "chatId") is not { } chatId || !ChatIdPattern().IsMatch(chatId)) errors.Add("chatId must be <digits>@c.us or a group id <digits>@g.us");
        if (body["messageIds"] is not JsonArray ids || ids.Count == 0
            || ids.Any(id => id?.GetValueKind() != JsonValueKind.String || !SerializedIdPattern().IsMatch(id.GetValue<string>())))
            errors.Add("messageIds must be a list of message ids such as false_11111111111@c.us_AAAAAAAAAAAAAAAAAAAA");
        if (body["participant"] is { } participant && (participant.GetValueKind() != JsonValueKind.String || !ChatIdPattern().IsMatch(participant.GetValue<string>())))
            errors.Add("participant must be a chat id such as 11111111111@c.us");
        if (errors.Count > 0)
            return BadRequest(errors.ToArray());
        if (!Sessions.TryGetValue(session!, out var status))
            return Nest(404, JsonSerializer.Serialize(new { statusCode = 404, message = $"We didn't find a session with name '{session}'.", error = "Not Found" }));
        if (status != "WORKING")
            return Nest(422, JsonSerializer.Serialize(new
            {
                error = "Session status is not as expected. Try again later or restart the session",
                session, status, expected = new[] { "WORKING" },
            }));
        Seen.Enqueue(body);
        return Results.StatusCode(201);
    }

    /// <summary>Every <c>GET /api/contacts/check-exists</c> that passed the key check: its <c>session</c> and <c>phone</c> as sent.</summary>
    public ConcurrentQueue<(string? Session, string? Phone)> NumberChecks { get; } = new();

    /// <summary>
    /// <c>GET /api/contacts/check-exists?phone=…&amp;session=…</c> (CheckNumberStatusQuery: <c>phone</c> a string,
    /// <c>session</c> not empty, default <c>default</c>), written from
    /// https://waha.devlike.pro/docs/how-to/contacts/#check-phone-number-exists and devlikeapro/waha
    /// src/api/contacts.controller.ts (checkExists: getWorkingSession, then the engine's checkNumberStatus, which takes
    /// the part of <c>phone</c> before any <c>@</c>). Answered 200 <c>{"numberExists": true, "chatId": "&lt;digits&gt;@c.us"}</c>,
    /// or <c>{"numberExists": false}</c> (WANumberExistResult: no chatId) for a number ending <c>0000</c>, this fake's
    /// numbers without WhatsApp. 401 without the key, 400 without <c>phone</c>, 404 for an unknown session and 422 for
    /// one that is not WORKING, as for a send. Scripted answers (<see cref="AnswerNext"/>, with their delay) apply here too.
    /// </summary>
    private async Task<IResult> CheckExistsAsync(HttpContext context)
    {
        if (context.Request.Headers["X-Api-Key"].ToString() != ApiKey)
            return Nest(401, """{"message":"Unauthorized","statusCode":401}""");
        var phone = context.Request.Query["phone"].Count == 1 ? context.Request.Query["phone"].ToString() : null;
        var session = context.Request.Query.ContainsKey("session") ? context.Request.Query["session"].ToString() : "default";
        NumberChecks.Enqueue((session, phone));
        if (_scripted.TryDequeue(out var scripted))
        {
            if (scripted.Delay is { } delay)
                await Task.Delay(delay, context.RequestAborted); // a slow answer, as scripted
            if (scripted.RetryAfter is not null)
                context.Response.Headers.RetryAfter = scripted.RetryAfter;
            return Nest(scripted.Status, scripted.Body);
        }
        var errors = new List<string>();
        if (phone is null) errors.Add("phone must be a string");
        if (session.Length == 0) errors.Add("session should not be empty");
        if (errors.Count > 0)
            return BadRequest(errors.ToArray());
        if (!Sessions.TryGetValue(session, out var status))
            return Nest(404, JsonSerializer.Serialize(new { statusCode = 404, message = $"We didn't find a session with name '{session}'.", error = "Not Found" }));
        if (status != "WORKING")
            return Nest(422, JsonSerializer.Serialize(new
            {
                error = "Session status is not as expected. Try again later or restart the session",
                session, status, expected = new[] { "WORKING" },
            }));
        var digits = phone!.Split('@')[0].TrimStart('+');
        if (digits.Length is < 6 or > 15 || !digits.All(char.IsAsciiDigit) || digits.EndsWith("0000", StringComparison.Ordinal))
            return Results.Json(new { numberExists = false });
        return Results.Json(new { numberExists = true, chatId = digits + "@c.us" });
    }

    /// <summary>WAHA's <c>message.ack</c> event for a message, signed with <paramref name="hmacKey"/> (null: unsigned).</summary>
    public async Task<HttpResponseMessage> PostAckAsync(Uri app, string chatSendSession, string wahaSession, string messageId, int ack,
        string? hmacKey = HmacKey, string? signatureOverride = null, string algorithm = "sha512")
    {
        var names = new Dictionary<int, string> { [-1] = "ERROR", [0] = "PENDING", [1] = "SERVER", [2] = "DEVICE", [3] = "READ", [4] = "PLAYED" };
        var body = JsonSerializer.Serialize(new
        {
            id = "evt_" + Guid.NewGuid().ToString("N"),
            timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            @event = "message.ack",
            session = wahaSession,
            engine = Engine,
            payload = new { id = messageId, from = "15550100001@c.us", fromMe = true, ack, ackName = names[ack] },
        });
        return await PostEventAsync(app, chatSendSession, body, hmacKey, signatureOverride, algorithm);
    }

    // ---- Received messages -----------------------------------------------------------------------------------------
    // Written from WAHA's documentation of its events, and its engines' source where the documentation leaves the shape
    // to the engine:
    //  * https://waha.devlike.pro/docs/how-to/events/ (envelope: id, timestamp in ms, event, session, me, payload,
    //    engine; `message`, `message.any` "fired on all message creations, including your own", `message.reaction`)
    //  * https://waha.devlike.pro/docs/how-to/receive-messages/ (payload: id false_<chat>_<id>, timestamp in seconds,
    //    from, fromMe, to, participant "for groups - participant who sent the message", body, hasMedia,
    //    media {url, mimetype, filename, error}, location {latitude, longitude, description}, vCards [..],
    //    replyTo {id, participant, body} whose id "may be absent depending on engine", _data "internal engine data";
    //    #media-files: media.url is built from WAHA_BASE_URL and downloaded with X-Api-Key)
    //  * https://waha.devlike.pro/docs/how-to/storages/#media---local (files kept 180 s unless WHATSAPP_FILES_LIFETIME)
    //  * https://waha.devlike.pro/docs/how-to/contacts/ ("@lid and @c.us"; API - Lids) (@lid, a hidden user id beside the phone number)
    //  * devlikeapro/waha src/core/engines/webjs/session.webjs.core.ts (toWAMessage: _data = whatsapp-web.js rawData, with
    //    its `type`: chat, image, ptt, sticker, vcard, buttons_response, list_response, poll_creation…; replyTo.id the
    //    quoted message's short id; processMessageReaction: from = sender, to = chat) and
    //    src/core/engines/noweb/session.noweb.core.ts (toWAMessage: _data = the Baileys message {key, message}, location
    //    and vCards left empty; processMessageReaction: from = chat, participant = sender; replyTo.id = stanzaId)
    //  * the phone number beside a LID: NOWEB's _data.key.remoteJidAlt (Baileys 7; senderPn before, participantAlt /
    //    participantPn in groups), github.com/devlikeapro/waha/issues/2010 and /issues/1443; GOWS's whatsmeow
    //    _data.Info.SenderAlt; WAHA itself adds no phone field (github.com/devlikeapro/waha/issues/993).

    /// <summary>The WAHA session's own account, as the envelope's <c>me</c> gives it (the ChatSend test sessions' sender).</summary>
    public const string MeId = "15550100001@c.us";

    /// <summary>Files served at <c>/api/files/…</c> by path, and every request for one (path and the X-Api-Key sent).</summary>
    public ConcurrentDictionary<string, (byte[] Bytes, string MimeType)> Files { get; } = new();

    public ConcurrentQueue<(string Path, string? ApiKeyHeader)> FileRequests { get; } = new();

    private readonly ConcurrentQueue<int> _fileAnswers = new();

    /// <summary>The next file request (after the key check) is answered with this status instead of the file.</summary>
    public void AnswerNextFile(int status) => _fileAnswers.Enqueue(status);

    /// <summary>Keeps a file as WAHA's local media storage does (<c>{session}/{message id}.{ext}</c>) and returns its media.url.</summary>
    public string AddFile(string wahaSession, string messageId, string extension, byte[] bytes, string mimeType)
    {
        var path = $"{wahaSession}/{messageId}.{extension}";
        Files[path] = (bytes, mimeType);
        return $"{BaseUrl}/api/files/{path}";
    }

    private IResult ServeFile(HttpContext context, string path)
    {
        var key = context.Request.Headers["X-Api-Key"].ToString();
        FileRequests.Enqueue((path, key.Length > 0 ? key : null));
        if (key != ApiKey)
            return Nest(401, """{"message":"Unauthorized","statusCode":401}""");
        if (_fileAnswers.TryDequeue(out var status))
            return Nest(status, JsonSerializer.Serialize(new { statusCode = status, message = "scripted" }));
        return Files.TryGetValue(path, out var file)
            ? Results.Bytes(file.Bytes, file.MimeType)
            : Nest(404, JsonSerializer.Serialize(new { statusCode = 404, message = $"Cannot GET /api/files/{path}", error = "Not Found" }));
    }

    /// <summary>A new message id as WAHA gives a received one: <c>false_&lt;chat&gt;_&lt;WhatsApp's id&gt;</c>.</summary>
    public static string ReceivedId(string chatId) => $"false_{chatId}_{ShortId()}";

    public static string ShortId() => "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// The payload of a <c>message</c> event from <paramref name="from"/> (in a group, the group, with
    /// <paramref name="participant"/> the sender), as every engine documents it; <paramref name="data"/> is the engine's
    /// <c>_data</c> (<see cref="Webjs"/>, <see cref="Noweb"/>, <see cref="Gows"/>; none: only the documented fields).
    /// </summary>
    public static JsonObject Message(string from, string? body = null, string? participant = null, JsonObject? data = null,
        JsonObject? media = null, long? timestamp = null, string? id = null)
    {
        var payload = new JsonObject
        {
            ["id"] = id ?? ReceivedId(from),
            ["timestamp"] = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["from"] = from,
            ["fromMe"] = false,
            ["source"] = "app",
            ["to"] = MeId,
            ["participant"] = participant,
            ["body"] = body,
            ["hasMedia"] = media is not null,
            ["media"] = media,
            ["ack"] = 2,
            ["ackName"] = "DEVICE",
            ["vCards"] = new JsonArray(),
            ["replyTo"] = null,
        };
        if (data is not null)
            payload["_data"] = data;
        return payload;
    }

    /// <summary>WAHA's <c>media</c> of a file it downloaded.</summary>
    public static JsonObject Media(string url, string mimeType, string? filename = null) =>
        new() { ["url"] = url, ["mimetype"] = mimeType, ["filename"] = filename, ["error"] = null };

    /// <summary>WEBJS's <c>_data</c> (whatsapp-web.js's raw message): its <c>type</c> and whatever else the type carries.</summary>
    public static JsonObject Webjs(string type, JsonObject? more = null)
    {
        var data = new JsonObject { ["type"] = type };
        foreach (var (name, value) in more ?? new JsonObject())
            data[name] = value?.DeepClone();
        return data;
    }

    /// <summary>NOWEB's <c>_data</c> (the Baileys message): its <c>key</c> (with <paramref name="key"/>'s fields added) and <c>message</c>.</summary>
    public static JsonObject Noweb(string remoteJid, JsonObject message, JsonObject? key = null)
    {
        var k = new JsonObject { ["remoteJid"] = remoteJid.Replace("@c.us", "@s.whatsapp.net"), ["fromMe"] = false, ["id"] = ShortId() };
        foreach (var (name, value) in key ?? new JsonObject())
            k[name] = value?.DeepClone();
        return new JsonObject { ["key"] = k, ["messageTimestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["pushName"] = "~", ["message"] = message };
    }

    /// <summary>GOWS's <c>_data</c> (the whatsmeow event): <c>Info</c> and <c>Message</c>.</summary>
    public static JsonObject Gows(JsonObject info, JsonObject message) => new() { ["Info"] = info, ["Message"] = message };

    /// <summary>The payload of <c>message.reaction</c> as WEBJS gives it (from = the sender, to = the chat) or NOWEB (from = the chat).</summary>
    public static JsonObject Reaction(string chat, string sender, string messageId, string emoji, string engine = "WEBJS") => new()
    {
        ["id"] = ReceivedId(chat),
        ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        ["from"] = engine == "WEBJS" ? sender : chat,
        ["fromMe"] = false,
        ["participant"] = sender,
        ["to"] = engine == "WEBJS" ? chat : MeId,
        ["reaction"] = new JsonObject { ["text"] = emoji, ["messageId"] = messageId },
    };

    /// <summary>A WAHA event with <paramref name="payload"/>, signed as WAHA signs (<see cref="PostEventAsync"/>).</summary>
    public Task<HttpResponseMessage> PostMessageAsync(Uri app, string chatSendSession, string wahaSession, JsonObject payload,
        string @event = "message") => PostEventAsync(app, chatSendSession, Envelope(wahaSession, payload, @event));

    public string Envelope(string wahaSession, JsonObject payload, string @event = "message") => new JsonObject
    {
        ["id"] = "evt_" + Guid.NewGuid().ToString("N"),
        ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        ["event"] = @event,
        ["session"] = wahaSession,
        ["metadata"] = new JsonObject(),
        ["me"] = new JsonObject { ["id"] = MeId, ["pushName"] = "ChatSend test" },
        ["payload"] = payload.DeepClone(),
        ["engine"] = Engine,
        ["environment"] = new JsonObject { ["version"] = "2026.3.1", ["engine"] = Engine, ["tier"] = "CORE" },
    }.ToJsonString();

    public async Task<HttpResponseMessage> PostEventAsync(Uri app, string chatSendSession, string body, string? hmacKey = HmacKey,
        string? signatureOverride = null, string algorithm = "sha512")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(app, $"/webhooks/waha/{chatSendSession}"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Webhook-Request-Id", Guid.NewGuid().ToString());
        if (hmacKey is not null || signatureOverride is not null)
        {
            request.Headers.Add("X-Webhook-Hmac", signatureOverride ?? Sign(body, hmacKey!));
            request.Headers.Add("X-Webhook-Hmac-Algorithm", algorithm);
        }
        return await _http.SendAsync(request);
    }

    public static string Sign(string body, string key) =>
        Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(body)));

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static IResult BadRequest(params string[] messages) =>
        Nest(400, JsonSerializer.Serialize(new { statusCode = 400, message = messages, error = "Bad Request" }));

    private static IResult Nest(int status, string body) => Results.Text(body, "application/json", Encoding.UTF8, status);

    [GeneratedRegex(@"^(\d{6,15}@c\.us|\d+(-\d+)?@g\.us)$")]
    private static partial Regex ChatIdPattern();

    /// <summary>A serialized message id: <c>{fromMe}_{chatId}_{id}</c>, in a group with <c>_{participant}</c> after it.</summary>
    [GeneratedRegex(@"^(true|false)_(\d{6,15}@c\.us|\d+(-\d+)?@g\.us)_[0-9A-Za-z]+(_\d{6,15}@c\.us)?$")]
    private static partial Regex SerializedIdPattern();

    protected override ValueTask DisposeResourcesAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
