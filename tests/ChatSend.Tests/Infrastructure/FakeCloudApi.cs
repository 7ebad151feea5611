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
/// marks a received message read (<see cref="Reads"/>). It also signs and posts status webhooks, as Meta does, builds the
/// notifications of customers' messages of every type (<see cref="Message"/>), and serves their media (<see cref="AddMedia"/>)
/// the way Meta does. Every send request is logged with when it came and when it was answered (<see cref="Exchanges"/>, and
/// the most a recipient had in flight at once, <see cref="MostAtOnce"/>); a recipient's sends can take a random time and fail
/// now and then with Meta's transient errors (<see cref="MakeUnsteady"/>), and one message's sends can be answered as scripted,
/// attempt by attempt (<see cref="ScriptText"/>).
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
    private readonly ConcurrentDictionary<string, bool> _accessTokens = new();

    /// <summary>
    /// Another access token of the same app (a second system user's, say) that sends are accepted with, so a test can tell
    /// which of two hosts, each configured with its own, made a request (<see cref="Exchange.Token"/>).
    /// </summary>
    public string NewAccessToken()
    {
        var token = "EAAG" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        _accessTokens[token] = true;
        return token;
    }
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

    protected override void Map(WebApplication app)
    {
        app.MapPost("/{version}/{phoneNumberId}/messages", HandleAsync);
        app.MapGet("/{version}/{wabaId}/message_templates", ListTemplates);
        app.MapGet("/{version}/{mediaId}", RetrieveMedia);
        app.MapGet(DownloadPath, DownloadMedia);
    }

    private async Task<IResult> HandleAsync(HttpContext context, string version, string phoneNumberId)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : "";
        if (token != AccessToken && !_accessTokens.ContainsKey(token))
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
        if (body["type"]?.GetValue<string>() == "template" && CheckTemplate(body["template"]!.AsObject()) is { } refused)
            return refused;
        var to = (string)body["to"]!;
        var type = (string)body["type"]!;
        var text = type == "text" ? Str(body["text"]!.AsObject(), "body") : body[type] is JsonObject content ? Str(content, "caption") : null;
        var started = Begin(to, text, token);
        var status = 0; // stays 0 when the caller goes away before the answer
        try
        {
            var result = await SendAsync(context, body, to, type, text);
            status = (result as IStatusCodeHttpResult)?.StatusCode ?? 200;
            return result;
        }
        finally
        {
            End(started, status);
        }
    }

    /// <summary>A send that met the documentation: its media downloaded, then answered as scripted, unsteadily, or with success.</summary>
    private async Task<IResult> SendAsync(HttpContext context, JsonObject body, string to, string type, string? text)
    {
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
        if (text is not null && _textScripts.TryGetValue(text, out var turns) && turns.TryDequeue(out var turn))
        {
            if (turn.Delay is { } held)
                await Task.Delay(held, context.RequestAborted); // a slow answer, as scripted
            if (turn.Status != 200)
                return AnswerScripted(context, turn);
        }
        else if (Scripts.TryGetValue(to, out var scripted))
        {
            if (scripted.Delay is { } delay)
                await Task.Delay(delay); // a slow answer, as scripted
            return AnswerScripted(context, scripted);
        }
        else if (_unsteady.TryGetValue(to, out var unsteady))
        {
            var (latency, error) = unsteady.Next();
            await Task.Delay(latency, context.RequestAborted); // Meta taking its time (MakeUnsteady)
            if (error is not null)
                return Json(error.Status, error.Body);
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

    private static IResult AnswerScripted(HttpContext context, Scripted scripted)
    {
        if (scripted.RetryAfter is { } retryAfter)
            context.Response.Headers.RetryAfter = retryAfter;
        return Json(scripted.Status, scripted.Body);
    }

    // ---- Every send request, in the order of its events; unsteady recipients; one message's answers in turn ----
    // Meta's transient errors, from the error codes page (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):
    // 131000 "Something went wrong" (HTTP 500: "Message failed to send due to an unknown error", try again) and 131016
    // "Service unavailable" (HTTP 503: "A service is temporarily unavailable", check the status page, then retry). Both are
    // Meta's own passing trouble, which a sender retries.

    /// <summary>Meta's 131000, HTTP 500: an unknown error, retryable.</summary>
    public static Scripted SomethingWentWrong { get; } = new(500, Error(131000, "(#131000) Something went wrong", "Message failed to send due to an unknown error."));

    /// <summary>Meta's 131016, HTTP 503: a service is briefly unavailable, retryable.</summary>
    public static Scripted ServiceUnavailable { get; } = new(503, Error(131016, "(#131016) Service unavailable", "A service is temporarily unavailable."));

    /// <summary>In <see cref="ScriptText"/>: the normal answer (success, a new wamid), after <paramref name="delay"/>.</summary>
    public static Scripted Success(TimeSpan delay) => new(200, "", Delay: delay);

    /// <summary>
    /// One send request that met the documentation: its recipient, its text (a caption for media), the access token it
    /// carried, and the status it was answered with (0: the caller went away first, as a killed process does).
    /// <see cref="Started"/> and <see cref="Ended"/> number this fake's events (a request coming in, a request being
    /// answered) in the order they happened, so the order of any two is exact; <see cref="StartedAt"/> and
    /// <see cref="EndedAt"/> are the same moments on the clock.
    /// </summary>
    public sealed record Exchange(string To, string? Text, string Token, long Started, long Ended, DateTimeOffset StartedAt,
        DateTimeOffset EndedAt, int Status)
    {
        public bool Succeeded => Status == 200;
    }

    /// <summary>A send request being answered: its recipient, text and token, and its place in the order of events.</summary>
    public sealed record Arrival(string To, string? Text, string Token, long Started, DateTimeOffset StartedAt);

    private long _events;
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private readonly ConcurrentQueue<(Func<Arrival, bool> Which, TaskCompletionSource<Arrival> Seen)> _watchers = new();

    /// <summary>Every send request answered (or left by its caller), in the order they ended.</summary>
    public ConcurrentQueue<Exchange> Exchanges { get; } = new();

    /// <summary>The send requests to one recipient (digits), in the order they came in.</summary>
    public IReadOnlyList<Exchange> ExchangesWith(string to) => [.. Exchanges.Where(e => e.To == to).OrderBy(e => e.Started)];

    /// <summary>How many events (requests coming in, requests answered) there were so far: a mark to compare a later one's number with.</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>The most send requests one recipient (digits) had in flight at once.</summary>
    public ConcurrentDictionary<string, int> MostAtOnce { get; } = new();

    /// <summary>
    /// Completes with the first send request <paramref name="which"/> picks as soon as it comes in (while it is in flight),
    /// or at once with one that came already.
    /// </summary>
    public Task<Arrival> ArrivalAsync(Func<Arrival, bool> which)
    {
        var seen = new TaskCompletionSource<Arrival>(TaskCreationOptions.RunContinuationsAsynchronously);
        _watchers.Enqueue((which, seen));
        // Watcher first, then the arrivals so far; Begin does the reverse, so one of the two sees the other.
        if (_arrivals.FirstOrDefault(which) is { } early)
            seen.TrySetResult(early);
        return seen.Task;
    }

    private readonly ConcurrentQueue<Arrival> _arrivals = new();

    private Arrival Begin(string to, string? text, string token)
    {
        var arrival = new Arrival(to, text, token, Interlocked.Increment(ref _events), DateTimeOffset.UtcNow);
        var now = _inFlight.AddOrUpdate(to, 1, (_, n) => n + 1);
        MostAtOnce.AddOrUpdate(to, now, (_, most) => Math.Max(most, now));
        _arrivals.Enqueue(arrival);
        foreach (var watcher in _watchers.Where(w => !w.Seen.Task.IsCompleted && w.Which(arrival)))
            watcher.Seen.TrySetResult(arrival);
        return arrival;
    }

    private void End(Arrival arrival, int status)
    {
        var ended = Interlocked.Increment(ref _events);
        _inFlight.AddOrUpdate(arrival.To, 0, (_, n) => n - 1);
        Exchanges.Enqueue(new Exchange(arrival.To, arrival.Text, arrival.Token, arrival.Started, ended, arrival.StartedAt, DateTimeOffset.UtcNow, status));
    }

    private sealed class Unsteadiness(TimeSpan maxLatency, double transientErrors, int seed)
    {
        private readonly Random _random = new(seed);

        /// <summary>How long this send takes, and the transient error it gets (null: none).</summary>
        public (TimeSpan Latency, Scripted? Error) Next()
        {
            lock (_random)
            {
                var latency = TimeSpan.FromMilliseconds(_random.NextDouble() * maxLatency.TotalMilliseconds);
                var error = _random.NextDouble() < transientErrors ? (_random.Next(2) == 0 ? SomethingWentWrong : ServiceUnavailable) : null;
                return (latency, error);
            }
        }
    }

    private readonly ConcurrentDictionary<string, Unsteadiness> _unsteady = new();

    /// <summary>
    /// The recipient's (digits) sends that are not scripted take from none to <paramref name="maxLatency"/>, and a
    /// <paramref name="transientErrors"/> share of them fail with Meta's 131000 (HTTP 500) or 131016 (HTTP 503), at
    /// random from <paramref name="seed"/>.
    /// </summary>
    public void MakeUnsteady(string to, TimeSpan maxLatency, double transientErrors, int seed) =>
        _unsteady[to] = new Unsteadiness(maxLatency, transientErrors, seed);

    private readonly ConcurrentDictionary<string, ConcurrentQueue<Scripted>> _textScripts = new();

    /// <summary>
    /// The sends of the message whose text (or caption) is <paramref name="text"/> get <paramref name="answers"/>, one per
    /// send in turn (a scripted error, or <see cref="Success(TimeSpan)"/>), then the normal answer.
    /// </summary>
    public void ScriptText(string text, params Scripted[] answers) => _textScripts[text] = new ConcurrentQueue<Scripted>(answers);

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
            "template" => ["name", "language", "components"],
            _ => null,
        };
        if (allowed is null)
            return $"type {type} is not one this fake knows";
        if (content.Select(p => p.Key).FirstOrDefault(k => !allowed.Contains(k)) is { } extra)
            return $"{type}.{extra} is not a parameter of {type}";
        if (type == "template")
            return null; // checked against the account's templates (CheckTemplate)
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

    // ---- Templates ----
    // Written from Meta's documentation, as read in 2026:
    //   listing an account's templates, GET /{whatsapp-business-account-id}/message_templates (fields, limit, after; the answer's
    //   data[] with name, language, status, category, parameter_format, components[] and paging.cursors.before/after, paging.next
    //   only while a page follows):
    //     https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates
    //     https://developers.facebook.com/docs/graph-api/results (cursor-based pagination)
    //   the template object of a send (name, language.code, components[] of type header/body/button; text parameters with
    //   parameter_name for a NAMED template; a button's sub_type quick_reply (payload) or url (text), index a string):
    //     https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#template-object
    //     https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates
    //   the template error codes 132000 (parameter count mismatch), 132001 (template does not exist in the language / not
    //   approved), 132005 (hydrated text too long), 132007 (format character policy violated), 132012 (parameter format
    //   mismatch), 132015 (template paused), 132016 (template disabled), answered at once or in statuses[].errors:
    //     https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes

    /// <summary>Each WhatsApp Business Account's templates, as Meta lists them.</summary>
    private readonly ConcurrentDictionary<string, List<JsonObject>> _templates = new();

    /// <summary>How many template list pages were read, per account.</summary>
    public ConcurrentDictionary<string, int> TemplateReads { get; } = new();

    /// <summary>At most this many templates a page, whatever <c>limit</c> asks (Meta pages too; small here so tests page).</summary>
    public int TemplatePageSize { get; set; } = 2;

    /// <summary>A new account with these templates; returns its id (the session's <c>wabaId</c>).</summary>
    public string NewAccount(params JsonObject[] templates)
    {
        var id = NewId();
        _templates[id] = [.. templates];
        return id;
    }

    public void SetTemplates(string wabaId, params JsonObject[] templates) => _templates[wabaId] = [.. templates];

    /// <summary>A template as the list answers it: <c>{{1}}</c>… positional, <c>{{name}}</c> named (<c>parameter_format: NAMED</c>).</summary>
    public static JsonObject Template(string name, string language, string body, string status = "APPROVED", string category = "UTILITY",
        string? header = null)
    {
        var named = System.Text.RegularExpressions.Regex.IsMatch(body, @"\{\{[a-z_][a-z0-9_]*\}\}");
        var components = new JsonArray();
        if (header is not null)
            components.Add(new JsonObject { ["type"] = "HEADER", ["format"] = header });
        components.Add(new JsonObject { ["type"] = "BODY", ["text"] = body });
        return new JsonObject
        {
            ["name"] = name,
            ["parameter_format"] = named ? "NAMED" : "POSITIONAL",
            ["components"] = components,
            ["language"] = language,
            ["status"] = status,
            ["category"] = category,
            ["id"] = NewId(),
        };
    }

    private IResult ListTemplates(HttpContext context, string version, string wabaId)
    {
        if (context.Request.Headers.Authorization.ToString() != $"Bearer {AccessToken}")
            return Json(401, Error(190, "Error validating access token: The session has expired or the token is invalid."));
        if (version != Version || !_templates.TryGetValue(wabaId, out var all))
            return Json(400, UnknownObject(wabaId));
        TemplateReads.AddOrUpdate(wabaId, 1, (_, n) => n + 1);
        var limit = int.TryParse(context.Request.Query["limit"], out var l) && l > 0 ? Math.Min(l, TemplatePageSize) : TemplatePageSize;
        var start = context.Request.Query["after"].ToString() is { Length: > 0 } after
            ? int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(after))) : 0;
        var page = all.Skip(start).Take(limit).Select(t => (JsonNode?)t.DeepClone()).ToArray();
        var paging = new JsonObject
        {
            ["cursors"] = new JsonObject
            {
                ["before"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(start.ToString())),
                ["after"] = Convert.ToBase64String(Encoding.UTF8.GetBytes((start + page.Length).ToString())),
            },
        };
        if (start + page.Length < all.Count)
            paging["next"] = $"{BaseUrl.TrimEnd('/')}/{version}/{wabaId}/message_templates?limit={limit}&after={paging["cursors"]!["after"]}";
        return Json(200, new JsonObject { ["data"] = new JsonArray(page), ["paging"] = paging }.ToJsonString());
    }

    /// <summary>
    /// The template of a send against the accounts' templates, as Meta checks it: an approved template of that name and
    /// language (else 132001), its body's parameter count and, for a NAMED one, each <c>parameter_name</c> (else 132000),
    /// and the documented shape of each component (else 100, a violation).
    /// </summary>
    private IResult? CheckTemplate(JsonObject template)
    {
        var name = Str(template, "name");
        var language = template["language"] is JsonObject l && l.Count == 1 ? Str(l, "code") : null;
        if (name is null || language is null)
            return Refuse("template.name and template.language {\"code\"} are required");
        var found = _templates.Values.SelectMany(t => t).FirstOrDefault(t => Str(t, "name") == name && Str(t, "language") == language);
        if (found is null || Str(found, "status") != "APPROVED")
            return Json(404, Error(132001, "(#132001) Template name does not exist in the translation",
                $"template name ({name}) does not exist in {language}"));
        var body = (string)found["components"]!.AsArray().First(c => Str(c!.AsObject(), "type") == "BODY")!["text"]!;
        var placeholders = System.Text.RegularExpressions.Regex.Matches(body, @"\{\{([A-Za-z0-9_]+)\}\}").Select(m => m.Groups[1].Value).Distinct().ToList();
        var named = Str(found, "parameter_format") == "NAMED";
        var bodyParameters = new List<JsonObject>();
        foreach (var c in template["components"] as JsonArray ?? [])
        {
            if (c is not JsonObject component || component["parameters"] is not JsonArray parameters)
                return Refuse($"a component must have type and parameters: {c?.ToJsonString()}");
            switch (Str(component, "type"))
            {
                case "header":
                    if (parameters.Count != 1 || parameters[0] is not JsonObject h || Str(h, "type") is not ("text" or "image" or "video" or "document") 
                        || (Str(h, "type") == "text" ? Str(h, "text") is null : h[Str(h, "type")!]?["link"] is null))
                        return Refuse($"header parameters must be one text, or one image/video/document with a link: {parameters.ToJsonString()}");
                    break;
                case "body":
                    foreach (var p in parameters)
                        if (p is not JsonObject bp || Str(bp, "type") != "text" || Str(bp, "text") is null)
                            return Refuse($"body parameters must be {{\"type\":\"text\",\"text\":…}}: {p?.ToJsonString()}");
                        else
                            bodyParameters.Add(bp);
                    break;
                case "button":
                    var sub = Str(component, "sub_type");
                    if (sub is not ("quick_reply" or "url") || Str(component, "index") is not { } index || !index.All(char.IsAsciiDigit)
                        || parameters.Count != 1 || parameters[0] is not JsonObject bt
                        || (sub == "quick_reply" ? Str(bt, "type") != "payload" || Str(bt, "payload") is null : Str(bt, "type") != "text" || Str(bt, "text") is null))
                        return Refuse($"a button must have sub_type quick_reply (payload) or url (text), index a string: {component.ToJsonString()}");
                    break;
                default:
                    return Refuse($"component type {component["type"]?.ToJsonString()} is not header, body or button");
            }
        }
        if (bodyParameters.Count != placeholders.Count)
            return Json(400, Error(132000, "(#132000) Number of parameters does not match the expected number of params",
                $"body: number of localizable_params ({bodyParameters.Count}) does not match the expected number of params ({placeholders.Count})"));
        if (named && bodyParameters.Select(p => Str(p, "parameter_name")).Order().SequenceEqual(placeholders.Order()) is false)
            return Json(400, Error(132000, "(#132000) Number of parameters does not match the expected number of params",
                "body: parameter_name values do not match the template's named parameters"));
        if (!named && bodyParameters.Any(p => p.ContainsKey("parameter_name")))
            return Refuse("parameter_name is for a NAMED template only");
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

    // ---- Customers' messages (inbound) and their media ----
    // Written from Meta's documentation, as read in 2026:
    //   the messages webhook and its common structure (contacts[].profile.name, contacts[].wa_id, messages[].from, id, timestamp, type):
    //     https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
    //     https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components
    //   one page per type, under …/webhooks/reference/messages/: text/ (text.body), image/ video/ document/ sticker/ (mime_type,
    //     sha256, id; caption; a document's filename; a sticker's animated), audio/ (audio.voice: true for a voice recording),
    //     location/ (latitude, longitude as numbers, name, address), contacts/ (name.formatted_name…, phones[].phone/wa_id/type),
    //     reaction/ ("When an end user removes a reaction emoji, WhatsApp sends a webhook without the emoji field"),
    //     interactive/ (interactive.type button_reply {id, title} or list_reply {id, title, description}), button/ (a template's
    //     quick reply: button.text and button.payload, with context.from and context.id of the template message), unsupported/
    //     (type unsupported, unsupported.type, errors[0].code 131051), group/ (messages[].group_id).
    //   a reply: messages[].context {from: the business number, id: the wamid it quotes}.
    //   business-scoped user ids (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids,
    //     updated Nov 2026): since April 2026 every messages webhook carries the user's BSUID (contacts[].user_id, messages[].from_user_id,
    //     e.g. US.13491208655302741918); a user who adopts a username may have no phone number in the webhook: contacts[].wa_id and
    //     messages[].from are then omitted.
    //   media (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media/): "Retrieve media
    //     URL" GET /{version}/{media-id} (optional phone_number_id: answered only when the media is that number's) with the access token
    //     answers {messaging_product, url, mime_type, sha256, file_size, id}; "Download media" GETs that url (lookaside.fbsbx.com, valid
    //     five minutes) with the same Bearer token. Media ids in webhooks expire after 7 days. An id Graph does not know is its usual
    //     400 (code 100, subcode 33); the documentation shows no answer for an expired one, so the fake answers 404 for it.

    /// <summary>Where the fake serves media bytes (Meta's are on lookaside.fbsbx.com, another host than the API).</summary>
    public const string DownloadPath = "/fbsbx/whatsapp_business/attachments/";

    /// <summary>The business's display number in notifications (what context.from names).</summary>
    public const string DisplayPhoneNumber = "15550783881";

    private readonly ConcurrentDictionary<string, MediaFile> _mediaFiles = new();
    private readonly ConcurrentDictionary<string, bool> _expiredMedia = new();

    /// <summary>A customer's file Meta holds: its media id, bytes, MIME type, SHA-256 (hex) and the number it was sent to.</summary>
    public sealed record MediaFile(string Id, byte[] Bytes, string MimeType, string Sha256, string PhoneNumberId, string Hash);

    /// <summary>Each media call: which step (retrieve, download), the media id, whether it carried the token, the phone_number_id asked.</summary>
    public sealed record MediaCall(string Step, string MediaId, bool Authorized, string? PhoneNumberId);

    public ConcurrentQueue<MediaCall> MediaCalls { get; } = new();

    /// <summary>What to answer a media id's retrieval instead of its URL.</summary>
    public ConcurrentDictionary<string, Scripted> MediaScripts { get; } = new();

    /// <summary>A file a customer sent to <paramref name="phoneNumberId"/> (default: <see cref="PhoneNumberId"/>), as Meta keeps it.</summary>
    public MediaFile AddMedia(byte[] bytes, string mimeType, string? phoneNumberId = null)
    {
        var id = Random.Shared.NextInt64(1_000_000_000_000_000, 9_999_999_999_999_999).ToString();
        var file = new MediaFile(id, bytes, mimeType, Convert.ToHexStringLower(SHA256.HashData(bytes)), phoneNumberId ?? PhoneNumberId,
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        _mediaFiles[id] = file;
        return file;
    }

    /// <summary>A media id Meta had but no longer has (older than 7 days): its retrieval answers 404.</summary>
    public string ExpiredMediaId()
    {
        var id = Random.Shared.NextInt64(1_000_000_000_000_000, 9_999_999_999_999_999).ToString();
        _expiredMedia[id] = true;
        return id;
    }

    private IResult RetrieveMedia(HttpContext context, string version, string mediaId)
    {
        var authorized = context.Request.Headers.Authorization.ToString() == $"Bearer {AccessToken}";
        var number = context.Request.Query["phone_number_id"].ToString() is { Length: > 0 } n ? n : null;
        MediaCalls.Enqueue(new MediaCall("retrieve", mediaId, authorized, number));
        if (!authorized)
            return Json(401, Error(190, "Error validating access token: The session has expired or the token is invalid."));
        if (version != Version)
            return Refuse($"path /{version}/{mediaId}: wrong version");
        if (MediaScripts.TryGetValue(mediaId, out var scripted))
        {
            if (scripted.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = retryAfter;
            return Json(scripted.Status, scripted.Body);
        }
        if (_expiredMedia.ContainsKey(mediaId))
            return Json(404, Error(100, "(#100) The media is no longer available", $"Media {mediaId} has expired."));
        if (!_mediaFiles.TryGetValue(mediaId, out var file))
            return Json(400, UnknownObject(mediaId));
        if (number is not null && number != file.PhoneNumberId)
            return Json(400, Error(100, "(#100) Invalid parameter", "The media was not sent to this phone number id."));
        return Json(200, new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["url"] = $"{BaseUrl}{DownloadPath}?mid={file.Id}&ext={DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}&hash={file.Hash}",
            ["mime_type"] = file.MimeType,
            ["sha256"] = file.Sha256,
            ["file_size"] = file.Bytes.Length.ToString(),
            ["id"] = file.Id,
        }.ToJsonString());
    }

    private IResult DownloadMedia(HttpContext context)
    {
        var mid = context.Request.Query["mid"].ToString();
        var authorized = context.Request.Headers.Authorization.ToString() == $"Bearer {AccessToken}";
        MediaCalls.Enqueue(new MediaCall("download", mid, authorized, null));
        if (!authorized)
            return Results.StatusCode(401);
        return _mediaFiles.TryGetValue(mid, out var file) && context.Request.Query["hash"] == file.Hash
            ? Results.Bytes(file.Bytes, file.MimeType)
            : Results.StatusCode(404);
    }

    /// <summary>Graph's answer for an id it has no object for.</summary>
    private static string UnknownObject(string id) =>
        new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = $"Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                ["type"] = "GraphMethodException",
                ["code"] = 100,
                ["error_subcode"] = 33,
                ["fbtrace_id"] = "A" + Guid.NewGuid().ToString("N")[..20],
            },
        }.ToJsonString();

    /// <summary>A wamid as Meta makes them: <c>wamid.</c> and base64 (with <c>+</c>, <c>/</c> and <c>=</c> now and then).</summary>
    public static string NewMessageId() => "wamid." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(31));

    /// <summary>
    /// A notification of customers' messages to <paramref name="phoneNumberId"/>, with the contact who sent them (null: none,
    /// as a system message has none) and, in the same change, statuses.
    /// </summary>
    public static string MessagesPayload(string phoneNumberId, JsonObject? contact, IEnumerable<JsonNode> messages,
        IEnumerable<JsonObject>? statuses = null)
    {
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject { ["display_phone_number"] = DisplayPhoneNumber, ["phone_number_id"] = phoneNumberId },
        };
        if (contact is not null)
            value["contacts"] = new JsonArray(contact);
        value["messages"] = new JsonArray(messages.ToArray());
        if (statuses is not null)
            value["statuses"] = new JsonArray(statuses.Select(JsonNode? (s) => s).ToArray());
        return new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = "102290129340398",
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = "messages" }),
            }),
        }.ToJsonString();
    }

    /// <summary>
    /// The sender as <c>contacts[0]</c> names them: the profile name, <c>wa_id</c> (the number's digits; null when the number is
    /// hidden behind a username) and the business-scoped <c>user_id</c>.
    /// </summary>
    public static JsonObject Contact(string? waId, string name = "Sheena Nelson", string? userId = null)
    {
        var contact = new JsonObject { ["profile"] = new JsonObject { ["name"] = name } };
        if (waId is not null)
            contact["wa_id"] = waId;
        if (userId is not null)
            contact["user_id"] = userId;
        return contact;
    }

    /// <summary>
    /// One message of a customer: from the number's digits (null when hidden), its wamid, time (Unix seconds, a string), type
    /// and its content under the type's name; <paramref name="replyTo"/> puts the quoted wamid in <c>context</c>.
    /// </summary>
    public static JsonObject Message(string? from, string type, JsonNode? content, DateTimeOffset? at = null, string? id = null,
        string? replyTo = null, string? fromUserId = null, string? groupId = null)
    {
        var message = new JsonObject();
        if (replyTo is not null)
            message["context"] = new JsonObject { ["from"] = DisplayPhoneNumber, ["id"] = replyTo };
        if (from is not null)
            message["from"] = from;
        if (fromUserId is not null)
            message["from_user_id"] = fromUserId;
        if (groupId is not null)
            message["group_id"] = groupId;
        message["id"] = id ?? NewMessageId();
        message["timestamp"] = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString();
        message["type"] = type;
        if (content is not null)
            message[type] = content;
        if (type == "unsupported")
            message["errors"] = new JsonArray(new JsonObject
            {
                ["code"] = 131051,
                ["title"] = "Message type unknown",
                ["message"] = "Message type unknown",
                ["error_data"] = new JsonObject { ["details"] = "Message type is currently not supported." },
            });
        return message;
    }

    public static JsonObject TextContent(string body) => new() { ["body"] = body };

    /// <summary>An image, video, document or audio as the webhook describes it (a document's file name, an audio's voice flag).</summary>
    public static JsonObject MediaContent(MediaFile file, string? caption = null, string? filename = null, bool? voice = null)
    {
        var content = new JsonObject { ["mime_type"] = file.MimeType, ["sha256"] = file.Sha256, ["id"] = file.Id };
        if (caption is not null)
            content["caption"] = caption;
        if (filename is not null)
            content["filename"] = filename;
        if (voice is not null)
            content["voice"] = voice;
        return content;
    }

    public static JsonObject StickerContent(MediaFile file) =>
        new() { ["mime_type"] = file.MimeType, ["sha256"] = file.Sha256, ["id"] = file.Id, ["animated"] = false };

    public static JsonObject LocationContent(double latitude, double longitude, string? name = null, string? address = null)
    {
        var content = new JsonObject { ["latitude"] = latitude, ["longitude"] = longitude };
        if (name is not null)
            content["name"] = name;
        if (address is not null)
            content["address"] = address;
        return content;
    }

    /// <summary>One shared contact card: its name (formatted, first, last) and phone numbers (digits become wa_id too).</summary>
    public static JsonArray ContactsContent(string formattedName, params string[] phones) =>
        new(new JsonObject
        {
            ["name"] = new JsonObject
            {
                ["formatted_name"] = formattedName,
                ["first_name"] = formattedName.Split(' ')[0],
                ["last_name"] = formattedName.Split(' ')[^1],
            },
            ["phones"] = new JsonArray(phones.Select(JsonNode? (p) => new JsonObject
            {
                ["phone"] = p,
                ["wa_id"] = new string(p.Where(char.IsAsciiDigit).ToArray()),
                ["type"] = "CELL",
            }).ToArray()),
        });

    /// <summary>A reaction to the business's message <paramref name="messageId"/>; without <c>emoji</c> when it was removed.</summary>
    public static JsonObject ReactionContent(string messageId, string? emoji)
    {
        var content = new JsonObject { ["message_id"] = messageId };
        if (emoji is not null)
            content["emoji"] = emoji;
        return content;
    }

    public static JsonObject ButtonReplyContent(string id, string title) =>
        new() { ["type"] = "button_reply", ["button_reply"] = new JsonObject { ["id"] = id, ["title"] = title } };

    public static JsonObject ListReplyContent(string id, string title, string description) =>
        new() { ["type"] = "list_reply", ["list_reply"] = new JsonObject { ["id"] = id, ["title"] = title, ["description"] = description } };

    /// <summary>A template's quick-reply button, tapped (type <c>button</c>).</summary>
    public static JsonObject QuickReplyContent(string text, string payload) => new() { ["payload"] = payload, ["text"] = text };

    /// <summary>What an unsupported message was, as Meta says (an edit, a poll…).</summary>
    public static JsonObject UnsupportedContent(string type) => new() { ["type"] = type };

    protected override ValueTask DisposeResourcesAsync()
    {
        _media.Dispose();
        _webhooks.Dispose();
        return ValueTask.CompletedTask;
    }
}
