using System.Net;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary><c>GET /sessions/{id}</c> with a gateway that has sessions of its own: its live state, and secret names without values.</summary>
public sealed class SessionStateTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Secrets:gateway_key"] = "the-value-itself",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<System.Text.Json.JsonElement> GetAsync(string state)
    {
        var (session, key) = await _app.NewSessionAsync(ScriptedProvider.ProviderName, settings: new Dictionary<string, string> { ["state"] = state });
        var store = _app.Services.GetRequiredService<SessionStore>();
        await store.UpsertAsync(session with { SecretNames = new Dictionary<string, string> { ["apiKey"] = "gateway_key", ["webhookHmacKey"] = "unset_key" } });
        using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("the-value-itself", body);
        return Json.Parse(body);
    }

    [Fact]
    public async Task TheGatewaysOwnStateAndTheSecretsNamesAreShown()
    {
        var view = await GetAsync("SCAN_QR_CODE");

        Assert.Equal("SCAN_QR_CODE", view.GetProperty("providerState").Str("status"));
        var secrets = view.GetProperty("secrets");
        Assert.Equal(("gateway_key", true), (secrets.GetProperty("apiKey").Str("name"), secrets.GetProperty("apiKey").GetProperty("configured").GetBoolean()));
        Assert.False(secrets.GetProperty("webhookHmacKey").GetProperty("configured").GetBoolean());
    }

    [Fact]
    public async Task AGatewayThatCannotBeReachedShowsAsUnreachableWithoutFailingTheRequest()
    {
        var view = await GetAsync("down");
        Assert.Equal("unreachable", view.GetProperty("providerState").Str("status"));
        Assert.Contains("Connection refused", view.GetProperty("providerState").Str("detail"));
    }
}
