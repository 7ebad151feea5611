using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// A fake Evolution API v2 on 127.0.0.1, written from its source (src/api/routes/sendMessage.router.ts,
/// src/validate/message.schema.ts, src/api/guards/*.ts, src/main.ts's error body). It checks each request as the real
/// one does: the <c>apikey</c> header, the instance in the path, the JSON schema's required fields and types, and
/// beyond it what WhatsApp needs (a number of digits or a group JID; a media URL it can download, whose SHA-256 it
/// records). It answers 201 with the sent message's <c>key</c>, or the documented error bodies. Instances are set up
/// per test with a state (open, connecting, close) and, optionally, a failure to answer.
/// Customers' messages come as the instance's <c>messages.upsert</c> webhooks (<see cref="PostUpsertAsync"/>, built by
/// <see cref="EvolutionUpserts"/>), and their files from <c>getBase64FromMediaMessage</c>, serving what a test registered
/// with <see cref="AddMedia"/>. A send's <c>quoted</c> is checked against quotedOptionsSchema;
/// <c>POST /chat/markMessageAsRead/{instance}</c> marks messages read (<see cref="Reads"/>).
/// </summary>
public sealed class EvolutionServer : FakeHttpServer
{
    public const string ApiKey = "evo-global-key-4f1c";
    private readonly HttpClient _downloads = new();

    /// <summary>Instances by name: their connection state and an answer to give instead of sending.</summary>
    public ConcurrentDictionary<string, Instance> Instances { get; } = new();

    /// <summary>Every accepted send, in order.</summary>
    public ConcurrentQueue<Call> Sent { get; } = new();

    public sealed class Instance
    {
        public string State { get; set; } = "open";
        public int? FailWith { get; set; }

        /// <summary>How long the number check takes to answer (a gateway stuck waiting for WhatsApp).</summary>
        public TimeSpan? Delay { get; set; }
        public string? RetryAfter { get; set; }

        /// <summary>getBase64FromMediaMessage answers as a proxy that writes JSON again might: <c>+</c> as <c>\u002B</c>, <c>/</c> as <c>\/</c>.</summary>
        public bool EscapedAnswers { get; set; }
    }

    public sealed record Call(string Route, string Instance, JsonObject Body, string KeyId, string? MediaSha256);

    /// <summary>Every accepted <c>POST /chat/markMessageAsRead/{instance}</c>: the instance and the keys it marked.</summary>
    public ConcurrentQueue<(string Instance, JsonArray ReadMessages)> Reads { get; } = new();

    public string NewInstance(string state = "open")
    {
        var name = "inst-" + Guid.NewGuid().ToString("N")[..8];
        Instances[name] = new Instance { State = state };
        return name;
    }

    protected override void Map(WebApplication app)
    {
        app.MapPost("/message/sendText/{instance}", (HttpContext c, string instance) => SendAsync(c, instance, "sendText"));
        app.MapPost("/message/sendMedia/{instance}", (HttpContext c, string instance) => SendAsync(c, instance, "sendMedia"));
        app.MapPost("/message/sendWhatsAppAudio/{instance}", (HttpContext c, string instance) => SendAsync(c, instance, "sendWhatsAppAudio"));
        app.MapPost("/chat/markMessageAsRead/{instance}", (HttpContext c, string instance) => MarkReadAsync(c, instance));
        app.MapPost("/chat/whatsappNumbers/{instance}", (HttpContext c, string instance) => WhatsAppNumbersAsync(c, instance));
        app.MapGet("/instance/connectionState/{instance}", (HttpContext c, string instance) =>
            Guard(c, instance) ?? Results.Json(new { instance = new { instanceName = instance, state = Instances[instance].State } }));
        app.MapPost("/chat/getBase64FromMediaMessage/{instance}", (HttpContext c, string instance) => Base64Async(c, instance));
    }

    /// <summary>Evolution's error body (src/main.ts): <c>{status, error, response: {message}}</c>.</summary>
    public static IResult Error(int status, string error, object message) =>
        Results.Json(new { status, error, response = new { message } }, statusCode: status);

    private IResult? Guard(HttpContext context, string instance)
    {
        // auth.guard.ts: a missing or wrong apikey is 401 before anything else; instance.guard.ts: an unknown instance is 404.
        if (context.Request.Headers["apikey"].ToString() != ApiKey)
            return Error(401, "Unauthorized", "Unauthorized");
        if (!Instances.ContainsKey(instance))
            return Error(404, "Not Found", new[] { $"The \"{instance}\" instance does not exist" });
        return null;
    }

    private async Task<IResult> SendAsync(HttpContext context, string instance, string route)
    {
        if (Guard(context, instance) is { } refused)
            return refused;
        if (!context.Request.HasJsonContentType() || await JsonNode.ParseAsync(context.Request.Body) is not JsonObject body)
            return Error(400, "Bad Request", new[] { "body must be a JSON object" });
        // The schemas of message.schema.ts: required fields and their types.
        var (required, strings) = route switch
        {
            "sendText" => (new[] { "number", "text" }, new[] { "number", "text" }),
            "sendMedia" => (["number", "mediatype"], ["number", "mediatype", "mimetype", "media", "fileName", "caption"]),
            _ => (["number"], new[] { "number", "audio" }),
        };
        var problems = required.Where(f => body[f] is null).Select(f => $"requires property \"{f}\"")
            .Concat(strings.Where(f => body[f] is { } v && v.GetValueKind() != JsonValueKind.String).Select(f => $"{f} is not of a type(s) string"))
            .ToList();
        if (body["linkPreview"] is { } lp && lp.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            problems.Add("linkPreview is not of a type(s) boolean");
        // quotedOptionsSchema: {key: {id (required, not empty), remoteJid?, fromMe?}, message?: object}.
        if (body["quoted"] is { } quoted)
        {
            if (quoted is not JsonObject q || q["key"] is not JsonObject key)
                problems.Add("quoted.key is required and must be an object");
            else
            {
                if (key["id"] is not JsonValue id || id.GetValueKind() != JsonValueKind.String || id.GetValue<string>().Length == 0)
                    problems.Add("quoted.key requires property \"id\", a string that is not empty");
                if (key["remoteJid"] is { } rj && rj.GetValueKind() != JsonValueKind.String)
                    problems.Add("quoted.key.remoteJid is not of a type(s) string");
                if (key["fromMe"] is { } fm && fm.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    problems.Add("quoted.key.fromMe is not of a type(s) boolean");
                if (q["message"] is { } m && m is not JsonObject)
                    problems.Add("quoted.message is not of a type(s) object");
            }
        }
        if (route == "sendMedia" && body["mediatype"]?.GetValue<string>() is { } mt && mt is not ("image" or "document" or "video" or "audio"))
            problems.Add("mediatype is not one of enum values: image,document,video,audio");
        if (problems.Count > 0)
            return Error(400, "Bad Request", problems);

        var number = body["number"]!.GetValue<string>();
        var jid = number.EndsWith("@g.us") ? number : number.All(char.IsAsciiDigit) && number.Length is >= 8 and <= 15 ? number + "@s.whatsapp.net" : null;
        // sendMessageWithTyping: a number not on WhatsApp is 400 with the onWhatsApp answer (here: numbers ending 0000).
        if (jid is null || number.EndsWith("0000"))
            return Error(400, "Bad Request", new[] { new { jid = jid ?? number, exists = false, number } });
        var state = Instances[instance];
        if (state.FailWith is { } status)
        {
            if (state.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = retryAfter;
            return Error(status, status == 429 ? "Too Many Requests" : "Internal Server Error", "Internal Server Error");
        }
        // Baileys fails the send of an instance that is not open; the service wraps it as a 400.
        if (state.State != "open")
            return Error(400, "Bad Request", new[] { "Error: Connection Closed" });

        string? sha = null;
        if (route != "sendText")
        {
            var url = body[route == "sendMedia" ? "media" : "audio"]?.GetValue<string>();
            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
                return Error(400, "Bad Request", new[] { "Owned media must be a url or base64" });
            using var download = await _downloads.GetAsync(uri);
            if (!download.IsSuccessStatusCode)
                return Error(400, "Bad Request", new[] { $"Error: Request failed with status code {(int)download.StatusCode}" });
            sha = Convert.ToHexStringLower(SHA256.HashData(await download.Content.ReadAsByteArrayAsync()));
        }

        var keyId = "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        Sent.Enqueue(new Call(route, instance, body, keyId, sha));
        // The sent message as prepareMessage returns it.
        return Results.Json(new
        {
            key = new { remoteJid = jid, fromMe = true, id = keyId },
            pushName = "",
            status = "PENDING",
            message = route == "sendText" ? (object)new { conversation = body["text"]!.GetValue<string>() } : new { },
            messageType = route switch { "sendText" => "conversation", "sendWhatsAppAudio" => "audioMessage", _ => body["mediatype"] + "Message" },
            messageTimestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            instanceId = instance,
            source = "unknown",
        }, statusCode: 201);
    }

    /// <summary>
    /// <c>POST /chat/markMessageAsRead/{instance}</c> (chat.router.ts, readMessageSchema): <c>readMessages</c>, at least one
    /// key, each with <c>id</c> and <c>remoteJid</c> (strings, not empty) and <c>fromMe</c> (boolean). Answered 201
    /// <c>{"message":"Read messages","read":"success"}</c>; an instance that is not open fails in Baileys, which the
    /// service answers 500 "Read messages fail". (Evolution passes on only keys whose remoteJid is a phone number's
    /// <c>@s.whatsapp.net</c> or a group's <c>@g.us</c>; this fake refuses any other, so a test sees it.)
    /// </summary>
    private async Task<IResult> MarkReadAsync(HttpContext context, string instance)
    {
        if (Guard(context, instance) is { } refused)
            return refused;
        if (!context.Request.HasJsonContentType() || await JsonNode.ParseAsync(context.Request.Body) is not JsonObject body)
            return Error(400, "Bad Request", new[] { "body must be a JSON object" });
        var problems = new List<string>();
        if (body["readMessages"] is not JsonArray keys)
            problems.Add("requires property \"readMessages\"");
        else if (keys.Count == 0)
            problems.Add("readMessages does not meet minimum length of 1");
        else
            foreach (var key in keys)
            {
                if (key is not JsonObject k)
                {
                    problems.Add("readMessages[] is not of a type(s) object");
                    continue;
                }
                foreach (var field in new[] { "id", "remoteJid" })
                    if (k[field] is not JsonValue v || v.GetValueKind() != JsonValueKind.String || v.GetValue<string>().Length == 0)
                        problems.Add($"readMessages[] requires property \"{field}\", a string that is not empty");
                if (k["fromMe"] is not { } fromMe || fromMe.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    problems.Add("readMessages[] requires property \"fromMe\", a boolean");
                if (k["remoteJid"]?.GetValue<string>() is { } jid && !jid.EndsWith("@s.whatsapp.net") && !jid.EndsWith("@g.us"))
                    problems.Add($"readMessages[].remoteJid {jid} is neither a phone number's nor a group's JID: Evolution would skip it");
            }
        if (problems.Count > 0)
            return Error(400, "Bad Request", problems);
        var state = Instances[instance];
        if (state.FailWith is { } status)
        {
            if (state.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = retryAfter;
            return Error(status, status == 429 ? "Too Many Requests" : "Internal Server Error", "Internal Server Error");
        }
        if (state.State != "open")
            return Error(500, "Internal Server Error", new[] { "Read messages fail", "Error: Connection Closed" });
        Reads.Enqueue((instance, (JsonArray)body["readMessages"]!.DeepClone()));
        return Results.Json(new { message = "Read messages", read = "success" }, statusCode: 201);
    }

    /// <summary>Every <c>POST /chat/whatsappNumbers/{instance}</c> that passed the guards: the instance and its body.</summary>
    public ConcurrentQueue<(string Instance, JsonObject Body)> NumberChecks { get; } = new();

    /// <summary>
    /// <c>POST /chat/whatsappNumbers/{instance}</c> (https://doc.evolution-api.com/v2/api-reference/chat-controller/check-is-whatsapp;
    /// src/api/routes/chat.router.ts, whatsappNumberSchema in src/validate/chat.schema.ts: <c>numbers</c>, an array of at
    /// least one string, no two alike). Answered 200 with one OnWhatsAppDto (src/api/dto/chat.dto.ts) per number:
    /// <c>{"jid": "&lt;digits&gt;@s.whatsapp.net", "exists": bool, "number": "&lt;as asked&gt;"}</c>, a number ending
    /// <c>0000</c> not existing, as for a send; a group JID exists. Whatever fails inside (an instance that is not
    /// open: Baileys' "Connection Closed") the router answers 400 with the error as the body.
    /// </summary>
    private async Task<IResult> WhatsAppNumbersAsync(HttpContext context, string instance)
    {
        if (Guard(context, instance) is { } refused)
            return refused;
        if (!context.Request.HasJsonContentType() || await JsonNode.ParseAsync(context.Request.Body) is not JsonObject body)
            return Error(400, "Bad Request", new[] { "body must be a JSON object" });
        NumberChecks.Enqueue((instance, (JsonObject)body.DeepClone()));
        var state = Instances[instance];
        if (state.Delay is { } delay)
            await Task.Delay(delay, context.RequestAborted);
        if (body["numbers"] is not JsonArray numbers)
            return Error(400, "Bad Request", new[] { "requires property \"numbers\"" });
        if (numbers.Count == 0)
            return Error(400, "Bad Request", new[] { "numbers does not meet minimum length of 1" });
        if (numbers.Any(n => n?.GetValueKind() != JsonValueKind.String))
            return Error(400, "Bad Request", new[] { "\"numbers\" must be an array of numeric strings" });
        var asked = numbers.Select(n => n!.GetValue<string>()).ToList();
        if (asked.Distinct().Count() != asked.Count)
            return Error(400, "Bad Request", new[] { "numbers contains duplicate item" });
        if (state.FailWith is { } status)
        {
            if (state.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = retryAfter;
            return Error(status, status == 429 ? "Too Many Requests" : "Internal Server Error", "Internal Server Error");
        }
        if (state.State != "open")
            return Error(400, "Bad Request", new[] { "Error: Connection Closed" });
        // whatsappNumber answers the groups first, then the users (each in the order asked).
        return Results.Json(asked.OrderBy(n => n.EndsWith("@g.us", StringComparison.Ordinal) ? 0 : 1).Select(number =>
        {
            if (number.EndsWith("@g.us", StringComparison.Ordinal))
                return new { jid = number, exists = true, number };
            var digits = new string(number.Split('@')[0].Where(char.IsAsciiDigit).ToArray());
            return new { jid = digits + "@s.whatsapp.net", exists = !digits.EndsWith("0000", StringComparison.Ordinal), number };
        }).ToArray());
    }

    /// <summary>
    /// Posts a <c>messages.update</c> webhook as webhook.controller.ts builds it, to <paramref name="url"/> (the instance's
    /// webhook URL), with <paramref name="headers"/> added as the instance's configured webhook headers.
    /// </summary>
    public async Task<HttpResponseMessage> PostStatusAsync(string url, string instance, string keyId, string status,
        IDictionary<string, string>? headers = null, string eventName = "messages.update")
    {
        var body = new
        {
            @event = eventName,
            instance,
            data = new
            {
                keyId,
                remoteJid = "12025550123@s.whatsapp.net",
                fromMe = true,
                participant = (string?)null,
                status,
                instanceId = Guid.NewGuid().ToString(),
                messageId = "cm" + Guid.NewGuid().ToString("N")[..20],
            },
            destination = url,
            date_time = DateTimeOffset.UtcNow.ToString("O"),
            sender = "15550100001@s.whatsapp.net",
            server_url = BaseUrl,
            apikey = "instance-token-not-ours",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        return await _downloads.SendAsync(request);
    }

    /// <summary>Files of customers' messages the instance holds, by instance and message key id (<see cref="AddMedia"/>).</summary>
    public ConcurrentDictionary<(string Instance, string KeyId), StoredMedia> Media { get; } = new();

    /// <summary>Every getBase64FromMediaMessage request's body, in order.</summary>
    public ConcurrentQueue<(string Instance, JsonObject Body)> MediaRequests { get; } = new();

    /// <summary>A file as Evolution stored its message: the bytes WhatsApp has, the type and the name (documents only).</summary>
    public sealed record StoredMedia(byte[] Bytes, string MimeType, string? FileName);

    public void AddMedia(string instance, string keyId, byte[] bytes, string mimeType, string? fileName = null) =>
        Media[(instance, keyId)] = new StoredMedia(bytes, mimeType, fileName);

    /// <summary>
    /// <c>POST /chat/getBase64FromMediaMessage/{instance}</c> (https://doc.evolution-api.com/v2/api-reference/chat-controller/get-base64;
    /// src/api/routes/chat.router.ts: no schema, answered 201; chat.dto.ts getBase64FromMediaMessageDto
    /// <c>{message, convertToMp4?}</c>). whatsapp.baileys.service.ts getBase64FromMediaMessage: without
    /// <c>message.message</c> the stored message is found by <c>message.key.id</c> alone (<c>getMessage</c>); any failure
    /// (no such message, not a media message) is a 400 with the error's text. The answer is
    /// <c>{mediaType, fileName, caption, size: {fileLength, height, width}, mimetype, base64, buffer: null}</c> in that order,
    /// written by Express's <c>JSON.stringify</c> (no escaping of <c>+</c> or <c>/</c>); a file without a name is called
    /// <c>{key.id}.{extension of its type}</c>.
    /// </summary>
    private async Task<IResult> Base64Async(HttpContext context, string instance)
    {
        if (Guard(context, instance) is { } refused)
            return refused;
        if (!context.Request.HasJsonContentType() || await JsonNode.ParseAsync(context.Request.Body) is not JsonObject body)
            return Error(400, "Bad Request", new[] { "TypeError: Cannot read properties of undefined (reading 'key')" });
        MediaRequests.Enqueue((instance, body));
        if (Instances[instance].FailWith is { } status)
            return Error(status, status == 429 ? "Too Many Requests" : "Internal Server Error", "Internal Server Error");
        if (body["message"]?["key"]?["id"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var keyId)
            || !Media.TryGetValue((instance, keyId), out var media))
            return Error(400, "Bad Request", new[] { "Message not found" });

        var extension = media.MimeType.Split(';')[0] switch
        {
            "image/jpeg" => "jpeg", "image/webp" => "webp", "video/mp4" => "mp4", "audio/ogg" => "oga", "application/pdf" => "pdf", _ => "bin",
        };
        var mediaType = media.MimeType.StartsWith("image/webp") ? "stickerMessage"
            : media.MimeType.StartsWith("image/") ? "imageMessage"
            : media.MimeType.StartsWith("video/") ? "videoMessage"
            : media.MimeType.StartsWith("audio/") ? "audioMessage"
            : "documentMessage";
        var answer = new JsonObject
        {
            ["mediaType"] = mediaType,
            ["fileName"] = media.FileName ?? $"{keyId}.{extension}",
            ["caption"] = null,
            ["size"] = new JsonObject { ["fileLength"] = media.Bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ["height"] = null, ["width"] = null },
            ["mimetype"] = media.MimeType,
            ["base64"] = Convert.ToBase64String(media.Bytes),
            ["buffer"] = null,
        };
        var json = Instances[instance].EscapedAnswers ? answer.ToJsonString().Replace("/", "\\/") : answer.ToJsonString(Express);
        return Results.Text(json, "application/json; charset=utf-8", statusCode: 201);
    }

    /// <summary>What <c>JSON.stringify</c> writes: only quotes, backslashes and control characters escaped.</summary>
    private static readonly JsonSerializerOptions Express = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Posts a <c>messages.upsert</c> webhook (the <c>MESSAGES_UPSERT</c> event of
    /// https://doc.evolution-api.com/v2/en/configuration/webhooks) as webhook.controller.ts builds it (<c>{event, instance,
    /// data, destination, date_time, sender, server_url, apikey}</c>, <c>event</c> being wa.types.ts's
    /// <c>Events.MESSAGES_UPSERT</c>, <c>"messages.upsert"</c>) to <paramref name="url"/> (the instance's webhook URL):
    /// <paramref name="data"/> is one entry (<see cref="UpsertMessage.ToData"/>; whatsapp.baileys.service.ts sends one per
    /// message), or a list of them.
    /// </summary>
    public async Task<HttpResponseMessage> PostUpsertAsync(string url, string instance, JsonNode data, IDictionary<string, string>? headers = null)
    {
        var body = new JsonObject
        {
            ["event"] = "messages.upsert",
            ["instance"] = instance,
            ["data"] = data,
            ["destination"] = url,
            ["date_time"] = DateTimeOffset.UtcNow.ToString("O"),
            ["sender"] = "15550100001@s.whatsapp.net",
            ["server_url"] = BaseUrl,
            ["apikey"] = "instance-token-not-ours",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(Express), Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        return await _downloads.SendAsync(request);
    }

    protected override ValueTask DisposeResourcesAsync()
    {
        _downloads.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A customer's message (or the instance's own, <see cref="FromMe"/>) as a <c>messages.upsert</c> webhook carries it: the
/// <c>messageRaw</c> of whatsapp.baileys.service.ts <c>prepareMessage</c> (Evolution API 2.3.6,
/// https://github.com/EvolutionAPI/evolution-api): <c>{key, pushName, status, message, contextInfo, messageType,
/// messageTimestamp, instanceId, source}</c>. <c>key</c> is Baileys' as it came: <c>remoteJid</c> the chat,
/// <c>participant</c> the sender in a group, and for someone addressed by a LID (<c>addressingMode: "lid"</c>) the phone
/// JID beside it in <c>remoteJidAlt</c>/<c>participantAlt</c>. <c>contextInfo</c> is the content's own (its
/// <c>stanzaId</c>: the quoted message), lifted to the top. Contents are Baileys' proto messages as JSON (WAProto
/// field names), built by <see cref="EvolutionUpserts"/>.
/// </summary>
public sealed record UpsertMessage(string MessageType, JsonObject Message)
{
    public string KeyId { get; init; } = "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(9));
    public string RemoteJid { get; init; } = "12025550123@s.whatsapp.net";
    public bool FromMe { get; init; }
    public string? Participant { get; init; }
    public string? RemoteJidAlt { get; init; }
    public string? ParticipantAlt { get; init; }
    public string? AddressingMode { get; init; }
    public string PushName { get; init; } = "Maria";

    /// <summary>The key id of the message this one quotes (<c>contextInfo.stanzaId</c>).</summary>
    public string? QuotedId { get; init; }

    public long Timestamp { get; init; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public JsonObject ToData()
    {
        var key = new JsonObject { ["remoteJid"] = RemoteJid, ["fromMe"] = FromMe, ["id"] = KeyId };
        if (Participant is not null)
            key["participant"] = Participant;
        if (AddressingMode is not null)
            key["addressingMode"] = AddressingMode;
        if (RemoteJidAlt is not null)
            key["remoteJidAlt"] = RemoteJidAlt;
        if (ParticipantAlt is not null)
            key["participantAlt"] = ParticipantAlt;
        var message = (JsonObject)Message.DeepClone();
        JsonObject? contextInfo = null;
        if (QuotedId is not null)
        {
            contextInfo = new JsonObject
            {
                ["stanzaId"] = QuotedId,
                ["participant"] = "15550100001@s.whatsapp.net",
                ["quotedMessage"] = new JsonObject { ["conversation"] = "the message quoted" },
            };
            // The content keeps its own contextInfo; a text's went with its extendedTextMessage.
            if (message[MessageType] is JsonObject content)
                content["contextInfo"] = contextInfo.DeepClone();
        }
        if (Participant is not null)
            message.Insert(0, "senderKeyDistributionMessage", new JsonObject { ["groupId"] = RemoteJid, ["axolotlSenderKeyDistributionMessage"] = "MwiH..." });
        var data = new JsonObject
        {
            ["key"] = key,
            ["pushName"] = PushName,
            ["status"] = FromMe ? "SERVER_ACK" : "DELIVERY_ACK",
            ["message"] = message,
        };
        if (contextInfo is not null)
            data["contextInfo"] = contextInfo;
        data["messageType"] = MessageType;
        data["messageTimestamp"] = Timestamp;
        data["instanceId"] = "0b6a3d4e-6f1c-4f0e-9a51-5c1d7a0f2b11";
        data["source"] = "android";
        return data;
    }
}

/// <summary>
/// The contents customers send, as Baileys' proto messages (WAProto.proto field names) after prepareMessage: a text is
/// <c>conversation</c> (an <c>extendedTextMessage</c> is rewritten to it), media carry their CDN fields (ChatSend reads
/// <c>mimetype</c>, <c>caption</c>, <c>fileName</c>, <c>ptt</c>), and each is followed by <c>messageContextInfo</c>.
/// </summary>
public static class EvolutionUpserts
{
    public static UpsertMessage Text(string text) =>
        new("conversation", WithContextInfo(new JsonObject { ["conversation"] = text }));

    public static UpsertMessage Image(string? caption, string mimeType = "image/jpeg", int length = 3000) =>
        new("imageMessage", WithContextInfo(new JsonObject { ["imageMessage"] = MediaFields(mimeType, length, caption, new JsonObject { ["height"] = 640, ["width"] = 480 }) }));

    public static UpsertMessage Video(string? caption, string mimeType = "video/mp4", int length = 5000) =>
        new("videoMessage", WithContextInfo(new JsonObject { ["videoMessage"] = MediaFields(mimeType, length, caption, new JsonObject { ["seconds"] = 4, ["gifPlayback"] = false }) }));

    public static UpsertMessage Document(string fileName, string? caption, string mimeType = "application/pdf", int length = 4000) =>
        new("documentMessage", WithContextInfo(new JsonObject
        {
            ["documentMessage"] = MediaFields(mimeType, length, caption, new JsonObject { ["title"] = fileName, ["pageCount"] = 1, ["fileName"] = fileName }),
        }));

    /// <summary>A voice note (<c>ptt: true</c>) or an audio file.</summary>
    public static UpsertMessage Audio(bool ptt, string mimeType = "audio/ogg; codecs=opus", int length = 2000) =>
        new("audioMessage", WithContextInfo(new JsonObject { ["audioMessage"] = MediaFields(mimeType, length, null, new JsonObject { ["seconds"] = 3, ["ptt"] = ptt }) }));

    public static UpsertMessage Sticker(int length = 1500) =>
        new("stickerMessage", WithContextInfo(new JsonObject
        {
            ["stickerMessage"] = MediaFields("image/webp", length, null, new JsonObject { ["height"] = 64, ["width"] = 64, ["isAnimated"] = false }),
        }));

    public static UpsertMessage Location(double latitude, double longitude, string? name = null, string? address = null)
    {
        var location = new JsonObject { ["degreesLatitude"] = latitude, ["degreesLongitude"] = longitude };
        if (name is not null)
            location["name"] = name;
        if (address is not null)
            location["address"] = address;
        location["jpegThumbnail"] = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgI=";
        return new("locationMessage", WithContextInfo(new JsonObject { ["locationMessage"] = location }));
    }

    public static UpsertMessage Contact(string displayName, string vcard) =>
        new("contactMessage", WithContextInfo(new JsonObject { ["contactMessage"] = new JsonObject { ["displayName"] = displayName, ["vcard"] = vcard } }));

    public static UpsertMessage Contacts(params (string DisplayName, string Vcard)[] contacts) =>
        new("contactsArrayMessage", WithContextInfo(new JsonObject
        {
            ["contactsArrayMessage"] = new JsonObject
            {
                ["displayName"] = $"{contacts.Length} contacts",
                ["contacts"] = new JsonArray(contacts.Select(c => (JsonNode)new JsonObject { ["displayName"] = c.DisplayName, ["vcard"] = c.Vcard }).ToArray()),
            },
        }));

    /// <summary>A vCard as WhatsApp shares one: the WhatsApp number in <c>waid</c> beside the number as written.</summary>
    public static string VCard(string name, params string[] telLines) =>
        "BEGIN:VCARD\nVERSION:3.0\n" + $"N:;{name};;;\nFN:{name}\n" + string.Concat(telLines.Select(t => t + "\n")) + "END:VCARD";

    /// <summary>An emoji on the message <paramref name="reactedTo"/> (a key id); <c>""</c> removes it.</summary>
    public static UpsertMessage Reaction(string emoji, string reactedTo) =>
        new("reactionMessage", WithContextInfo(new JsonObject
        {
            ["reactionMessage"] = new JsonObject
            {
                ["key"] = new JsonObject { ["remoteJid"] = "12025550123@s.whatsapp.net", ["fromMe"] = true, ["id"] = reactedTo },
                ["text"] = emoji,
                ["senderTimestampMs"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        }));

    /// <summary>A tapped button of a buttons message.</summary>
    public static UpsertMessage ButtonsResponse(string id, string text) =>
        new("buttonsResponseMessage", WithContextInfo(new JsonObject
        {
            ["buttonsResponseMessage"] = new JsonObject { ["selectedButtonId"] = id, ["selectedDisplayText"] = text, ["type"] = "DISPLAY_TEXT" },
        }));

    /// <summary>A chosen row of a list message.</summary>
    public static UpsertMessage ListResponse(string rowId, string title) =>
        new("listResponseMessage", WithContextInfo(new JsonObject
        {
            ["listResponseMessage"] = new JsonObject
            {
                ["title"] = title,
                ["listType"] = "SINGLE_SELECT",
                ["singleSelectReply"] = new JsonObject { ["selectedRowId"] = rowId },
                ["description"] = "a row's description",
            },
        }));

    /// <summary>A tapped quick reply of a template message.</summary>
    public static UpsertMessage TemplateButtonReply(string id, string text) =>
        new("templateButtonReplyMessage", WithContextInfo(new JsonObject
        {
            ["templateButtonReplyMessage"] = new JsonObject { ["selectedId"] = id, ["selectedDisplayText"] = text, ["selectedIndex"] = 0 },
        }));

    /// <summary>A poll: a content ChatSend has no type for.</summary>
    public static UpsertMessage Poll(string name) =>
        new("pollCreationMessage", WithContextInfo(new JsonObject
        {
            ["pollCreationMessage"] = new JsonObject
            {
                ["name"] = name,
                ["options"] = new JsonArray(new JsonObject { ["optionName"] = "yes" }, new JsonObject { ["optionName"] = "no" }),
                ["selectableOptionsCount"] = 1,
            },
        }));

    private static JsonObject MediaFields(string mimeType, int length, string? caption, JsonObject extra)
    {
        var media = new JsonObject
        {
            ["url"] = "https://mmg.whatsapp.net/v/t62.7118-24/12345_67890.enc?ccb=11-4&oh=01_Q5AaI&oe=6790ABCD&_nc_sid=5e03e0&mms3=true",
            ["mimetype"] = mimeType,
        };
        if (caption is not null)
            media["caption"] = caption;
        media["fileSha256"] = "n5ZkVvH4p0QFq3P1uI8m4sT9oYwXy2b6c7d8e9f0a1E=";
        media["fileLength"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in extra)
            media[name] = value?.DeepClone();
        media["mediaKey"] = "Z3Jhc3MgaXMgZ3JlZW4gYW5kIHRoZSBza3kgaXMgYmx1ZQ==";
        media["fileEncSha256"] = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c=";
        media["directPath"] = "/v/t62.7118-24/12345_67890.enc?ccb=11-4&oh=01_Q5AaI&oe=6790ABCD&_nc_sid=5e03e0";
        media["mediaKeyTimestamp"] = "1736900000";
        return media;
    }

    private static JsonObject WithContextInfo(JsonObject message)
    {
        message["messageContextInfo"] = new JsonObject
        {
            ["deviceListMetadata"] = new JsonObject { ["senderKeyHash"] = "u+BigPORQMFx0g==", ["senderTimestamp"] = "1736890000" },
            ["deviceListMetadataVersion"] = 2,
            ["messageSecret"] = "dGhpcyBpcyBhIG1lc3NhZ2Ugc2VjcmV0IG9mIDMyIGI=",
        };
        return message;
    }
}
