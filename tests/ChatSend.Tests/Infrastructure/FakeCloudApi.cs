using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// Meta's WhatsApp Cloud API on 127.0.0.1, written from its public documentation: <c>POST /{version}/{phone number id}/messages</c>
/// checks what the real API checks (the version and phone number id in the path, the Bearer token, the JSON shape of each
/// message type, <c>to</c> as digits), downloads media links and hashes them, and answers the documented success body
/// (<c>messages[0].id</c> a <c>wamid.</c>) or Graph error body. A recipient can be scripted to get an error instead.
/// Anything a real API would refuse is answered with error 100 and kept in <see cref="Violations"/>, so a test can
/// assert that there were none. A reply's <c>context</c> must be <c>{"message_id": …}</c>; a body with <c>status: read</c>
/// marks a received message read (<see cref="Reads"/>). It also signs and posts status webhooks, as Meta does.
/// </summary>
public sealed class FakeCloudApi : FakeHttpServer
{
    public const string Version = "v26.0";
    private static readonly HashSet<string> MediaTypes = ["image", "video", "document", "audio"];
    private readonly HttpClient _media = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly HttpClient _webhooks = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string PhoneNumberId { get; } = NewId();
    private readonly ConcurrentDictionary<string, bool> _phoneNumberIds = new();
    public string AccessToken { get; } = "EAAG" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    public string AppSecret { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    public string VerifyToken { get; } = "verify-" + Guid.NewGuid().ToString("N");

    /// <summary>Every accepted send: the body as sent, the id answered, and the SHA-256 of the media the link served.</summary>
    public ConcurrentQueue<Call> Calls { get; } = new();
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>What to answer a recipient (digits) instead of success.</summary>
    public ConcurrentDictionary<string, Scripted> Scripts { get; } = new();

    /// <summary>How many sends each recipient (digits) got, answered or not.</summary>
    public ConcurrentDictionary<string, int> Attempts { get; } = new();

    public sealed record Call(string To, string Type, JsonObject Body, string Id, string? MediaSha256);

    /// <summary>Every accepted read marking (<c>status: read</c>): the message id it named, and the body as sent.</summary>
    public ConcurrentQueue<ReadCall> Reads { get; } = new();

    public sealed record ReadCall(string MessageId, JsonObject Body);

    /// <summary>What to answer a read marking of a message id instead of success.</summary>
    public ConcurrentDictionary<string, Scripted> ReadScripts { get; } = new();

    public sealed record Scripted(int Status, string Body, string? RetryAfter = null, TimeSpan? Delay = null);

    /// <summary>A Graph API error body, as documented.</summary>
    public static string Error(int code, string message, string? details = null) =>
        new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = "OAuthException",
                ["code"] = code,
                ["error_data"] = new JsonObject { ["messaging_product"] = "whatsapp", ["details"] = details ?? message },
                ["fbtrace_id"] = "A" + Guid.NewGuid().ToString("N")[..20],
            },
        }.ToJsonString();

    protected override void Map(WebApplication app) => app.MapPost("/{version}/{phoneNumberId}/messages", HandleAsync);

    private async Task<IResult> HandleAsync(HttpContext context, string version, string phoneNumberId)
    {
        if (context.Request.Headers.Authorization.ToString() != $"Bearer {AccessToken}")
            return Json(401, Error(190, "Error validating access token: The session has expired or the token is invalid."));
        if (version != Version || (phoneNumberId != PhoneNumberId && !_phoneNumberIds.ContainsKey(phoneNumberId)))
            return Refuse($"path /{version}/{phoneNumberId}/messages: wrong version or phone number id");
        if (!(context.Request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
            return Refuse($"Content-Type {context.Request.ContentType}");
        JsonObject body;
        try
        {
            body = JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync()) as JsonObject
                   ?? throw new JsonException("not an object");
        }
        catch (JsonException ex)
        {
            return Refuse($"body is not a JSON object: {ex.Message}");
        }
        if (body.ContainsKey("status"))
            return MarkRead(context, body);
        if (Check(body) is { } problem)
            return Refuse(problem);
        var to = (string)body["to"]!;
        var type = (string)body["type"]!;
        string? sha = null;
        if (MediaTypes.Contains(type))
        {
            var link = (string)body[type]!["link"]!;
            using var media = await _media.GetAsync(link);
            if (!media.IsSuccessStatusCode)
                return Json(400, Error(131052, "Media download error", $"Downloading the media from {link} answered {(int)media.StatusCode}"));
            sha = Convert.ToHexStringLower(SHA256.HashData(await media.Content.ReadAsByteArrayAsync()));
        }
        Attempts.AddOrUpdate(to, 1, (_, n) => n + 1);
        if (Scripts.TryGetValue(to, out var scripted))
        {
            if (scripted.Delay is { } delay)
                await Task.Delay(delay); // a slow answer, as scripted
            if (scripted.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = retryAfter;
            return Json(scripted.Status, scripted.Body);
        }
        var id = "wamid." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
        Calls.Enqueue(new Call(to, type, body, id, sha));
        return Json(200, new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["contacts"] = new JsonArray(new JsonObject { ["input"] = to, ["wa_id"] = to }),
            ["messages"] = new JsonArray(new JsonObject { ["id"] = id }),
        }.ToJsonString());
    }

    /// <summary>
    /// Marking a received message read, on the same endpoint as sends: <c>{"messaging_product":"whatsapp","status":"read",
    /// "message_id":…}</c> (optionally <c>typing_indicator</c>), answered <c>{"success":true}</c>. An id that is not a
    /// <c>wamid.</c> is error 131009, as Meta answers an invalid message id.
    /// </summary>
    private IResult MarkRead(HttpContext context, JsonObject body)
    {
        if (Str(body, "messaging_product") != "whatsapp")
            return Refuse("messaging_product must be \"whatsapp\"");
        if (Str(body, "status") != "read")
            return Refuse($"status must be \"read\", not {body["status"]?.ToJsonString()}");
        if (body.Select(p => p.Key).FirstOrDefault(k => k is not ("messaging_product" or "status" or "message_id" or "typing_indicator")) is { } extra)
            return Refuse($"{extra} is not a parameter of a read marking");
        if (Str(body, "message_id") is not { Length: > 0 } id)
            return Refuse("message_id must be the wamid of a received message");
        if (!id.StartsWith("wamid.", StringComparison.Ordinal))
            return Json(400, Error(131009, "(#131009) Parameter value is not valid", $"message_id {id} is not a valid WhatsApp message id"));
        if (ReadScripts.TryGetValue(id, out var scripted))
        {
            if (scripted.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = retryAfter;
            return Json(scripted.Status, scripted.Body);
        }
        Reads.Enqueue(new ReadCall(id, body));
        return Json(200, """{"success":true}""");
    }

    /// <summary>What the documentation requires of a send, or null when the body meets it.</summary>
    private static string? Check(JsonObject body)
    {
        if (Str(body, "messaging_product") != "whatsapp")
            return "messaging_product must be \"whatsapp\"";
        if (body.ContainsKey("recipient_type") && Str(body, "recipient_type") != "individual")
            return "recipient_type must be \"individual\"";
        if (Str(body, "to") is not { Length: > 0 } to || !to.All(char.IsAsciiDigit))
            return $"to must be the number's digits: {body["to"]}";
        if (body["context"] is { } context
            && (context is not JsonObject quoted || quoted.Count != 1 || Str(quoted, "message_id") is not { Length: > 0 }))
            return $"context must be {{\"message_id\": <wamid>}}: {context.ToJsonString()}";
        var type = Str(body, "type") ?? "text";
        if (body[type] is not JsonObject content)
            return $"the {type} object is missing";
        var allowed = type switch
        {
            "text" => new[] { "body", "preview_url" },
            "image" or "video" => ["link", "caption"],
            "document" => ["link", "caption", "filename"],
            "audio" => ["link", "voice"],
            _ => null,
        };
        if (allowed is null)
            return $"type {type} is not one this fake knows";
        if (content.Select(p => p.Key).FirstOrDefault(k => !allowed.Contains(k)) is { } extra)
            return $"{type}.{extra} is not a parameter of {type}";
        if (type == "text")
        {
            if (Str(content, "body") is not { Length: > 0 and <= 4096 })
                return "text.body is required (at most 4096 characters)";
            if (content["preview_url"] is { } preview && preview.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                return "text.preview_url must be a boolean";
            return null;
        }
        if (!Uri.TryCreate(Str(content, "link"), UriKind.Absolute, out var link) || link.Scheme is not ("http" or "https"))
            return $"{type}.link must be an absolute http(s) URL";
        if (content["voice"] is { } voice && voice.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            return "audio.voice must be a boolean";
        if (content["caption"] is { } caption && (caption.GetValueKind() != JsonValueKind.String || ((string)caption!).Length > 1024))
            return $"{type}.caption must be a string of at most 1024 characters";
        return null;
    }

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? (string?)v : null;

    private IResult Refuse(string problem)
    {
        Violations.Enqueue(problem);
        return Json(400, Error(100, "(#100) Invalid parameter", problem));
    }

    private static IResult Json(int status, string body) => Results.Text(body, "application/json", Encoding.UTF8, status);

    /// <summary>A status webhook body as Meta posts it, for the given phone number id.</summary>
    public string StatusPayload(params JsonObject[] statuses) => StatusPayload(PhoneNumberId, statuses);

    /// <summary>Another business phone number on this account, as each ChatSend session has its own.</summary>
    public string NewPhoneNumberId()
    {
        var id = NewId();
        _phoneNumberIds[id] = true;
        return id;
    }

    private static string NewId() => "1065" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);

    public static string StatusPayload(string phoneNumberId, params JsonObject[] statuses) =>
        new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = "102290129340398",
                ["changes"] = new JsonArray(new JsonObject
                {
                    ["value"] = new JsonObject
                    {
                        ["messaging_product"] = "whatsapp",
                        ["metadata"] = new JsonObject { ["display_phone_number"] = "15550783881", ["phone_number_id"] = phoneNumberId },
                        ["statuses"] = new JsonArray(statuses.Select(JsonNode? (s) => s).ToArray()),
                    },
                    ["field"] = "messages",
                }),
            }),
        }.ToJsonString();

    public static JsonObject Status(string id, string status, DateTimeOffset at, JsonObject? error = null)
    {
        var s = new JsonObject
        {
            ["id"] = id,
            ["status"] = status,
            ["timestamp"] = at.ToUnixTimeSeconds().ToString(),
            ["recipient_id"] = "12025550123",
        };
        if (error is not null)
            s["errors"] = new JsonArray(error);
        return s;
    }

    public static JsonObject StatusError(int code, string title, string details) => new()
    {
        ["code"] = code,
        ["title"] = title,
        ["message"] = title,
        ["error_data"] = new JsonObject { ["details"] = details },
        ["href"] = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    };

    public string Sign(string body, string? secret = null) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret ?? AppSecret), Encoding.UTF8.GetBytes(body)));

    /// <summary>Posts a webhook to the app: signed with the app secret, or with the given header value, or unsigned (null).</summary>
    public async Task<HttpResponseMessage> PostWebhookAsync(Uri app, string body, string? signature = "sign")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(app, "/webhooks/whatsapp-cloud"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null)
            request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signature == "sign" ? Sign(body) : signature);
        return await _webhooks.SendAsync(request);
    }

    protected override ValueTask DisposeResourcesAsync()
    {
        _media.Dispose();
        _webhooks.Dispose();
        return ValueTask.CompletedTask;
    }
}
