using System.Net;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Evolution;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// Every message type through every provider, as each declares it: a type the provider lists is sent and its fake (each
/// written from the provider's documentation, checking requests as the real API does) accepts the request; a type it
/// does not list is refused by <c>POST /send</c> with 422 naming the field, before anything is stored. A new message type
/// fails here until every provider either sends it or refuses it.
/// </summary>
public sealed class ProviderTypeMatrixTests(Azurite azurite, MediaServer media, FakeCloudApi cloud, FakeWaha waha, EvolutionServer evolution)
    : IClassFixture<Azurite>, IClassFixture<MediaServer>, IClassFixture<FakeCloudApi>, IClassFixture<FakeWaha>, IClassFixture<EvolutionServer>,
        IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
        ["ChatSend:Delivery:MaxAttempts"] = "1", // a refused request fails the message at once, with the fake's reason
        ["ChatSend:Secrets:cloud_token"] = cloud.AccessToken,
        ["ChatSend:Secrets:waha_key"] = FakeWaha.ApiKey,
        ["ChatSend:Secrets:evo_key"] = EvolutionServer.ApiKey,
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string> Providers => new(ProviderCatalog.BuiltIn.Select(p => p.Name));

    /// <summary>The field of <c>/send</c> a type is asked for by, and a value of it.</summary>
    private (string Field, string Json) Request(MessageType type) => type switch
    {
        MessageType.Text => ("text", "\"text\":\"hello\""),
        MessageType.Image => ("imageUrl", $"\"imageUrl\":\"{media.Url("/file/jpeg/3000?type=image/jpeg")}\",\"text\":\"a caption\""),
        MessageType.Video => ("videoUrl", $"\"videoUrl\":\"{media.Url("/file/mp4/5000?type=video/mp4")}\""),
        MessageType.Document => ("documentUrl", $"\"documentUrl\":\"{media.Url("/file/pdf/4000?type=application/pdf")}\",\"filename\":\"a.pdf\""),
        MessageType.Ptt => ("audioUrl", $"\"audioUrl\":\"{media.Url("/file/ogg/2000?type=audio/ogg")}\""),
        MessageType.Audio or MessageType.Sticker or MessageType.Location or MessageType.Contacts or MessageType.Reaction
            or MessageType.Button or MessageType.Unsupported or MessageType.Template => throw new InvalidOperationException($"/send has no field for {type.ToWire()}"),
    };

    [Fact]
    public void NoProviderDeclaresATypeOnlyCustomersSend() =>
        Assert.All(ProviderCatalog.BuiltIn, p => Assert.Subset(MessageTypes.Sendable.ToHashSet(), p.Capabilities.Types.ToHashSet()));

    public static TheoryData<string> ProvidersWithoutTemplates => new(ProviderCatalog.BuiltIn.Where(p => !p.Capabilities.Templates).Select(p => p.Name));

    [Theory]
    [MemberData(nameof(ProvidersWithoutTemplates))]
    public async Task AProviderWithoutTemplatesRefusesATemplateNamingTemplateAndStoresNothing(string provider)
    {
        var (session, key) = await NewSessionAsync(provider);
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
            $$"""{"session":"{{session.Id}}","to":"+12025550123","template":{"name":"welcome","language":"en_US"} }"""));
        var body = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("does not send WhatsApp templates", body.GetProperty("errors").GetProperty("template")[0].GetString());
        using var list = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages?session={session.Id}&direction=outbound", key));
        Assert.Equal(0, (await Json.ReadAsync(list)).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EachMessageTypeIsSentAndAcceptedByTheProviderOrRefusedAtSendNamingTheField(string provider)
    {
        var declared = ProviderCatalog.BuiltIn.Single(p => p.Name == provider).Capabilities;
        var (session, key) = await NewSessionAsync(provider);

        var outcomes = await Task.WhenAll(MessageTypes.Sendable.Select(async type =>
        {
            var (field, json) = Request(type);
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
                $$"""{"session":"{{session.Id}}","to":"+12025550123",{{json}}}"""));
            var body = await Json.ReadAsync(response);
            if (!declared.Types.Contains(type))
            {
                Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
                Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"{provider} refuses {type.ToWire()} without naming {field}: {body}");
                return null;
            }
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{provider} {type.ToWire()}: {(int)response.StatusCode} {body}");
            var row = await Eventually.MatchesAsync(() => FindAsync(body.Str("id")), m => m?.Status is "sent" or "failed", TimeSpan.FromSeconds(20));
            Assert.True(row!.Status == "sent", $"{provider} did not take a {type.ToWire()}: {row.FailureReason}");
            return row;
        }));

        foreach (var row in outcomes.OfType<MessageEntity>())
            Assert.True(ProviderLogged(provider, row.ProviderMessageId!), $"{provider}'s fake has no request for {row.MessageType.ToWire()}");
        Assert.Empty(cloud.Violations);
    }

    private bool ProviderLogged(string provider, string providerMessageId) => provider switch
    {
        SandboxProvider.ProviderName => providerMessageId.StartsWith("sandbox-", StringComparison.Ordinal),
        WhatsAppCloudProvider.ProviderName => cloud.Calls.Any(c => c.Id == providerMessageId),
        WahaProvider.ProviderName => waha.Calls.Any(c => c.MessageId == providerMessageId),
        EvolutionProvider.ProviderName => evolution.Sent.Any(c => c.KeyId == providerMessageId),
        _ => throw new InvalidOperationException($"no fake for provider {provider}: add one to this test"),
    };

    private Task<MessageEntity?> FindAsync(string id) =>
        _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(id));

    /// <summary>A session on the provider, pointed at its fake, with pacing off.</summary>
    private async Task<(Session, string)> NewSessionAsync(string provider)
    {
        var (settings, secrets) = provider switch
        {
            SandboxProvider.ProviderName => (new Dictionary<string, string>(), new Dictionary<string, string>()),
            WhatsAppCloudProvider.ProviderName => (new() { ["phoneNumberId"] = cloud.NewPhoneNumberId(), ["baseUrl"] = cloud.BaseUrl, ["windowPolicy"] = "off" },
                new() { ["accessToken"] = "cloud_token" }),
            WahaProvider.ProviderName => (new() { ["baseUrl"] = waha.BaseUrl, ["wahaSession"] = NewWahaSession() }, new() { ["apiKey"] = "waha_key" }),
            EvolutionProvider.ProviderName => (new() { ["baseUrl"] = evolution.BaseUrl, ["instance"] = evolution.NewInstance() },
                new Dictionary<string, string> { ["apiKey"] = "evo_key" }),
            _ => throw new InvalidOperationException($"no fake for provider {provider}: add one to this test"),
        };
        settings["maxPerMinute"] = "0";
        settings["minRecipientGapSeconds"] = "0";
        var registered = _app.Services.GetRequiredService<ChannelProviders>().Find(provider)!;
        Assert.Empty(registered.Settings.Validate(settings, secrets)); // a session the session command would store
        var session = new Session("m" + Guid.NewGuid().ToString("N")[..12], "+15550100001", provider, settings, Enabled: true, secrets);
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }

    private string NewWahaSession()
    {
        var name = "w" + Guid.NewGuid().ToString("N")[..10];
        waha.Sessions[name] = "WORKING";
        return name;
    }
}
