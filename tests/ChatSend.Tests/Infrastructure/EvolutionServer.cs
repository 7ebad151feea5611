using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
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
/// per test with a state (open, connecting, close) and, optionally, a failure to answer. A send's <c>quoted</c> is
/// checked against quotedOptionsSchema; <c>POST /chat/markMessageAsRead/{instance}</c> marks messages read (<see cref="Reads"/>).
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
        public string? RetryAfter { get; set; }
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
        app.MapGet("/instance/connectionState/{instance}", (HttpContext c, string instance) =>
            Guard(c, instance) ?? Results.Json(new { instance = new { instanceName = instance, state = Instances[instance].State } }));
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

    protected override ValueTask DisposeResourcesAsync()
    {
        _downloads.Dispose();
        return ValueTask.CompletedTask;
    }
}
