using System.Net;
using System.Text.Json;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>The sandbox's template catalogue from its <c>templates</c> setting: listed, checked and sent without Meta.</summary>
public sealed class SandboxTemplateTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Sandbox:DeliveredAfter"] = "00:00:00",
        ["ChatSend:Sandbox:ReadAfter"] = "00:00:00",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private const string Catalogue = """
        [{"name":"order_update","language":"en_US","body":"Hi {{1}}, order {{2}} shipped."},
         {"name":"appointment","language":"en_US","body":"See you at {{time}}, {{name}}.","category":"UTILITY"},
         {"name":"promo","language":"en_US","body":"Sale!","status":"REJECTED","category":"MARKETING"}]
        """;

    private async Task<(Session Session, string Key)> NewSessionAsync()
    {
        var settings = new Dictionary<string, string> { ["templates"] = Catalogue };
        Assert.Empty(_app.Services.GetRequiredService<ChannelProviders>().Find(SandboxProvider.ProviderName)!.Settings.Validate(settings, null));
        var session = new Session("s" + Guid.NewGuid().ToString("N")[..12], "+15550100001", SandboxProvider.ProviderName, settings, Enabled: true);
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }

    [Fact]
    public async Task ASandboxSessionListsAndSendsTheTemplatesOfItsSettingWithTheBodyFilledIn()
    {
        var (session, key) = await NewSessionAsync();

        using var list = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}/templates", key));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var templates = (await Json.ReadAsync(list)).GetProperty("templates").EnumerateArray().ToList();
        Assert.Equal(["appointment", "order_update", "promo"], templates.Select(t => t.Str("name")));
        Assert.Equal(["time", "name"], templates[0].GetProperty("parameters").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("REJECTED", templates[2].Str("status"));

        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, $$"""
            {"session":"{{session.Id}}","to":"+12025550123","template":{"name":"appointment","language":"en_US","parameters":{"name":"Ana","time":"10:00"} } }
            """));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await Json.ReadAsync(response);
        Assert.Equal("See you at 10:00, Ana.", accepted.Str("content"));
        MessageId.TryParse(accepted.Str("id"), out var id);
        var read = await Eventually.MatchesAsync(() => _app.Services.GetRequiredService<MessageStore>().FindAsync(id), m => m?.Status == "read",
            TimeSpan.FromSeconds(20));
        Assert.Equal("template", read!.Type);
    }

    [Fact]
    public async Task ARejectedSandboxTemplateIs422NamingTheName()
    {
        var (session, key) = await NewSessionAsync();
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, $$"""
            {"session":"{{session.Id}}","to":"+12025550123","template":{"name":"promo","language":"en_US"} }
            """));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("REJECTED", (await Json.ReadAsync(response)).GetProperty("errors").GetProperty("template.name")[0].GetString());
    }

    [Fact]
    public void ASandboxTemplatesSettingThatIsNotACatalogueIsRefusedBeforeTheSessionIsStored()
    {
        var errors = ChatSend.Providers.Settings.ProviderSettingsSchema.Of<SandboxSettings>()
            .Validate(new Dictionary<string, string> { ["templates"] = """[{"name":"x"}]""" }, null);
        Assert.Equal("templates", Assert.Single(errors).Key);
    }
}
