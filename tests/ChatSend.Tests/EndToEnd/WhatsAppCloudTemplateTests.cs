using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// Templates on the <c>whatsapp-cloud</c> provider through the running local host: the catalogue read page by page from the
/// fake Cloud API's <c>message_templates</c>, <c>/send</c>'s checks against it before anything is stored, the template
/// object Meta documents, and Meta's template errors at once and in status webhooks.
/// </summary>
public sealed class WhatsAppCloudTemplateTests(Azurite azurite, MediaServer media, FakeCloudApi cloud)
    : IClassFixture<Azurite>, IClassFixture<MediaServer>, IClassFixture<FakeCloudApi>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
        ["ChatSend:Delivery:MaxAttempts"] = "3", // so a template error ending the message after one attempt shows it is not retried
        ["ChatSend:Secrets:wa-token"] = cloud.AccessToken,
        ["ChatSend:Secrets:wa-app-secret"] = cloud.AppSecret,
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static JsonObject[] Catalogue() =>
    [
        FakeCloudApi.Template("welcome", "en_US", "Welcome to Lucky Shrub!"),
        FakeCloudApi.Template("order_update", "en_US", "Hi {{1}}, your order {{2}} has shipped."),
        FakeCloudApi.Template("order_update", "pt_BR", "Oi {{1}}, seu pedido {{2}} foi enviado."),
        FakeCloudApi.Template("delivery_photo", "en_US", "Your parcel {{order_id}} is at {{place}}.", header: "IMAGE"),
        FakeCloudApi.Template("summer_sale", "en_US", "Sale on {{1}}!", status: "PENDING", category: "MARKETING"),
    ];

    private async Task<(Session Session, string Key, string WabaId)> NewSessionAsync(params JsonObject[] templates)
    {
        var waba = cloud.NewAccount(templates.Length > 0 ? templates : Catalogue());
        var session = new Session("t" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WhatsAppCloudProvider.ProviderName,
            new Dictionary<string, string> { ["phoneNumberId"] = cloud.NewPhoneNumberId(), ["wabaId"] = waba, ["baseUrl"] = cloud.BaseUrl },
            Enabled: true, new Dictionary<string, string> { ["accessToken"] = "wa-token", ["appSecret"] = "wa-app-secret" });
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]), waba);
    }

    private static int _recipients = Random.Shared.Next(0, 5000);

    private static string NewRecipient() => "1202556" + (Interlocked.Increment(ref _recipients) % 10000).ToString("D4");

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string key, string json)
    {
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, json));
        return (response.StatusCode, await Json.ReadAsync(response));
    }

    private Task<MessageEntity?> StatusAsync(string id, string status)
    {
        MessageId.TryParse(id, out var messageId);
        return Eventually.MatchesAsync(() => _app.Services.GetRequiredService<MessageStore>().FindAsync(messageId),
            m => m?.Status == status, TimeSpan.FromSeconds(20));
    }

    private async Task<FakeCloudApi.Call> CallToAsync(string to) =>
        (await Eventually.MatchesAsync(() => Task.FromResult(cloud.Calls.FirstOrDefault(c => c.To == to)), c => c is not null))!;

    private async Task<int> OutboundCountAsync(string key, Session session)
    {
        using var list = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages?session={session.Id}&direction=outbound", key));
        return (await Json.ReadAsync(list)).GetProperty("items").GetArrayLength();
    }

    private static string Error(JsonElement problem, string field) =>
        problem.GetProperty("errors").TryGetProperty(field, out var messages) ? messages[0].GetString()! : $"no error on {field}: {problem}";

    [Fact]
    public async Task ANamedTemplateWithAnImageHeaderAndButtonsGoesAsMetasTemplateObjectWithItsBodyAsContent()
    {
        var (session, key, _) = await NewSessionAsync();
        var to = NewRecipient();
        var (status, accepted) = await SendAsync(key, $$"""
            {"session":"{{session.Id}}","to":"+{{to}}","template":{"name":"delivery_photo","language":"en_US",
             "parameters":{"order_id":"A-123","place":"the front door"},
             "header":{"imageUrl":"{{media.Url("/file/jpeg/3000?type=image/jpeg")}}"},
             "buttons":[{"index":0,"payload":"YES"},{"index":1,"text":"A-123"}]} }
            """);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("template", accepted.Str("type"));
        Assert.Equal("Your parcel A-123 is at the front door.", accepted.Str("content"));
        var call = await CallToAsync(to);
        var sent = await StatusAsync(accepted.Str("id"), "sent");
        Assert.Equal(call.Id, sent!.ProviderMessageId);
        Assert.Equal(sent.MediaSha256, call.MediaSha256 ?? HeaderSha(call)); // Meta fetched the staged header image
        var template = call.Body["template"]!.AsObject();
        Assert.Equal("delivery_photo", (string?)template["name"]);
        Assert.Equal("en_US", (string?)template["language"]!["code"]);
        var components = template["components"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(["header", "body", "button", "button"], components.Select(c => (string)c["type"]!));
        Assert.StartsWith("http", (string?)components[0]["parameters"]![0]!["image"]!["link"]);
        Assert.Equal(["order_id:A-123", "place:the front door"],
            components[1]["parameters"]!.AsArray().Select(p => $"{p!["parameter_name"]}:{p["text"]}"));
        Assert.Equal(("quick_reply", "0", "YES"), ((string)components[2]["sub_type"]!, (string)components[2]["index"]!, (string)components[2]["parameters"]![0]!["payload"]!));
        Assert.Equal(("url", "1", "A-123"), ((string)components[3]["sub_type"]!, (string)components[3]["index"]!, (string)components[3]["parameters"]![0]!["text"]!));
        Assert.Empty(cloud.Violations);
    }

    // The fake hashes links of media messages only; a header's file is fetched here, as Meta would.
    private static string? HeaderSha(FakeCloudApi.Call call)
    {
        var link = (string)call.Body["template"]!["components"]![0]!["parameters"]![0]!["image"]!["link"]!;
        using var http = new HttpClient();
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(http.GetByteArrayAsync(link).GetAwaiter().GetResult()));
    }

    [Fact]
    public async Task APositionalTemplateIsSentWithItsValuesInOrderAndNoParameterNames()
    {
        var (session, key, _) = await NewSessionAsync();
        var to = NewRecipient();
        var (status, accepted) = await SendAsync(key, $$"""
            {"session":"{{session.Id}}","to":"+{{to}}","template":{"name":"order_update","language":"pt_BR","parameters":["Ana","A-9"],
             "header":{"text":"Pedido"} } }
            """);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("Oi Ana, seu pedido A-9 foi enviado.", accepted.Str("content"));
        var body = (await CallToAsync(to)).Body["template"]!["components"]!.AsArray();
        Assert.Equal("Pedido", (string?)body[0]!["parameters"]![0]!["text"]);
        Assert.Equal(["Ana", "A-9"], body[1]!["parameters"]!.AsArray().Select(p => (string)p!["text"]!));
        Assert.All(body[1]!["parameters"]!.AsArray(), p => Assert.False(p!.AsObject().ContainsKey("parameter_name")));
        await StatusAsync(accepted.Str("id"), "sent");
        Assert.Empty(cloud.Violations);
    }

    [Fact]
    public async Task TheSessionsTemplatesAreListedFromEveryPageOfTheAccountAndThenServedFromTheCache()
    {
        var (session, key, waba) = await NewSessionAsync();

        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}/templates", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var templates = (await Json.ReadAsync(response)).GetProperty("templates").EnumerateArray().ToList();
        Assert.Equal(5, templates.Count); // three pages of at most two
        Assert.Equal(3, cloud.TemplateReads[waba]);
        var photo = templates.Single(t => t.Str("name") == "delivery_photo");
        Assert.Equal(("en_US", "APPROVED", "UTILITY", "named"), (photo.Str("language"), photo.Str("status"), photo.Str("category"), photo.Str("parameterFormat")));
        Assert.Equal(["order_id", "place"], photo.GetProperty("parameters").EnumerateArray().Select(p => p.GetString()));
        var update = templates.First(t => t.Str("name") == "order_update");
        Assert.Equal(("positional", 2), (update.Str("parameterFormat"), update.GetProperty("parameterCount").GetInt32()));
        Assert.Equal("Hi {{1}}, your order {{2}} has shipped.", update.Str("body"));
        Assert.Equal("PENDING", templates.Single(t => t.Str("name") == "summer_sale").Str("status"));

        using var again = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}/templates", key));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(3, cloud.TemplateReads[waba]); // within its freshness the catalogue is not read again
    }

    [Fact]
    public async Task AnotherKeysSessionsTemplatesAreNotFound()
    {
        var (session, _, _) = await NewSessionAsync();
        var (_, otherKey, _) = await NewSessionAsync();
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}/templates", otherKey));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"no_such_template","language":"en_US"}""", "template.name", "no approved template 'no_such_template'")]
    [InlineData("""{"name":"summer_sale","language":"en_US","parameters":["shoes"]}""", "template.name", "PENDING")]
    [InlineData("""{"name":"order_update","language":"es_ES","parameters":["a","b"]}""", "template.language", "approved in: en_US, pt_BR")]
    [InlineData("""{"name":"order_update","language":"en_US","parameters":["only one"]}""", "template.parameters", "takes 2 parameters, not 1")]
    [InlineData("""{"name":"order_update","language":"en_US","parameters":{"name":"Ana","order":"1"}}""", "template.parameters", "give an array")]
    [InlineData("""{"name":"delivery_photo","language":"en_US","parameters":["A-1","door"]}""", "template.parameters", "give an object")]
    [InlineData("""{"name":"delivery_photo","language":"en_US","parameters":{"order_id":"A-1"}}""", "template.parameters", "missing place")]
    [InlineData("""{"name":"welcome","language":"en_US","parameters":["extra"]}""", "template.parameters", "takes 0 parameters, not 1")]
    public async Task ATemplateTheAccountDoesNotHaveApprovedOrParametersThatDoNotFitAre422AndNothingIsStored(string template, string field, string says)
    {
        var (session, key, _) = await NewSessionAsync();
        var (status, problem) = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{NewRecipient()}}","template":{{template}}}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains(says, Error(problem, field));
        Assert.Equal(0, await OutboundCountAsync(key, session));
    }

    [Fact]
    public async Task ATemplateApprovedSinceTheCatalogueWasReadIsFoundByReadingItOnceMore()
    {
        var (session, key, waba) = await NewSessionAsync();
        using (var list = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}/templates", key)))
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        cloud.SetTemplates(waba, [.. Catalogue(), FakeCloudApi.Template("brand_new", "en_US", "Just approved, {{1}}.")]);

        var (status, accepted) = await SendAsync(key, $$"""
            {"session":"{{session.Id}}","to":"+{{NewRecipient()}}","template":{"name":"brand_new","language":"en_US","parameters":["Ana"]} }
            """);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("Just approved, Ana.", accepted.Str("content"));
    }

    [Theory]
    [InlineData("""
        "text":"hi","template":{"name":"welcome","language":"en_US"}
        """, "text")]
    [InlineData("""
        "imageUrl":"https://example.com/a.jpg","template":{"name":"welcome","language":"en_US"}
        """, "imageUrl")]
    [InlineData("""
        "template":{"language":"en_US"}
        """, "template.name")]
    [InlineData("""
        "template":{"name":"welcome","language":"en_US","parameters":7}
        """, "template.parameters")]
    [InlineData("""
        "template":{"name":"welcome","language":"en_US","header":{"text":"a","imageUrl":"https://example.com/a.jpg"}}
        """, "template.header")]
    [InlineData("""
        "template":{"name":"welcome","language":"en_US","buttons":[{"index":0,"payload":"a","text":"b"}]}
        """, "template.buttons[0]")]
    public async Task ATemplateWithTextOrMediaOrOfTheWrongShapeIs400NamingTheField(string fields, string field)
    {
        var (session, key, _) = await NewSessionAsync();
        var (status, problem) = await SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+{{NewRecipient()}}",{{fields.Trim()}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} is not named: {problem}");
    }

    public static TheoryData<int, string> TemplateErrors => new()
    {
        { 132000, "number of template parameters does not match" },
        { 132001, "does not exist in this language" },
        { 132005, "too long" },
        { 132007, "policy" },
        { 132012, "format" },
        { 132015, "paused" },
        { 132016, "disabled" },
    };

    [Theory]
    [MemberData(nameof(TemplateErrors))]
    public async Task MetasTemplateErrorAnsweredAtOnceEndsTheMessageFailedWithItsMeaningAndIsNotRetried(int code, string meaning)
    {
        var (session, key, _) = await NewSessionAsync();
        var to = NewRecipient();
        cloud.Scripts[to] = new FakeCloudApi.Scripted(400, FakeCloudApi.Error(code, $"(#{code}) Template error", "as Meta details it"));

        var (status, accepted) = await SendAsync(key, $$"""
            {"session":"{{session.Id}}","to":"+{{to}}","template":{"name":"order_update","language":"en_US","parameters":["Ana","A-1"]} }
            """);
        Assert.Equal(HttpStatusCode.Accepted, status);

        var failed = await StatusAsync(accepted.Str("id"), "failed");
        Assert.Contains(code.ToString(), failed!.FailureReason);
        Assert.Contains(meaning, failed.FailureReason);
        Assert.Equal(1, failed.Attempts);
        Assert.Equal(1, cloud.Attempts[to]);
    }

    [Theory]
    [MemberData(nameof(TemplateErrors))]
    public async Task MetasTemplateErrorInAStatusWebhookEndsTheMessageFailedWithItsMeaning(int code, string meaning)
    {
        var (session, key, _) = await NewSessionAsync();
        var to = NewRecipient();
        var (_, accepted) = await SendAsync(key, $$"""
            {"session":"{{session.Id}}","to":"+{{to}}","template":{"name":"welcome","language":"en_US"} }
            """);
        var call = await CallToAsync(to);
        await StatusAsync(accepted.Str("id"), "sent");

        var body = FakeCloudApi.StatusPayload(session.Setting("phoneNumberId")!,
            FakeCloudApi.Status(call.Id, "failed", DateTimeOffset.UtcNow, FakeCloudApi.StatusError(code, "Template error", "as Meta details it")));
        using (var posted = await cloud.PostWebhookAsync(_app.Http.BaseAddress!, body))
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        var failed = await StatusAsync(accepted.Str("id"), "failed");
        Assert.Contains($"error {code}", failed!.FailureReason);
        Assert.Contains(meaning, failed.FailureReason);
    }

    [Fact]
    public async Task ASessionWithoutAWabaIdCannotSendTemplatesAndIsToldWhy()
    {
        var session = new Session("t" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WhatsAppCloudProvider.ProviderName,
            new Dictionary<string, string> { ["phoneNumberId"] = cloud.NewPhoneNumberId(), ["baseUrl"] = cloud.BaseUrl },
            Enabled: true, new Dictionary<string, string> { ["accessToken"] = "wa-token" });
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        var key = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]);

        var (status, problem) = await SendAsync(key, $$"""
            {"session":"{{session.Id}}","to":"+{{NewRecipient()}}","template":{"name":"welcome","language":"en_US"} }
            """);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("wabaId", Error(problem, "template"));
    }
}
