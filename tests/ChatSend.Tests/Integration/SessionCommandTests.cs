using ChatSend.Host.Admin;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace ChatSend.Tests.Integration;

/// <summary>The <c>session</c> command against Azurite: settings stored, secrets stored by name only.</summary>
public sealed class SessionCommandTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task ASessionIsStoredWithItsSettingsAndTheNamesOfItsSecrets()
    {
        using var output = new StringWriter();
        var code = await AdminCommands.RunAsync(
            ["session", "cloud-eu", "--sender", "+442079460958", "--provider", "sandbox", "--setting", "phoneNumberId=1234567890",
             "--secret", "accessToken=meta_token_eu", "--secret", "appSecret=meta_app_secret"],
            output, new StringWriter(), builder => builder.Configuration.AddInMemoryCollection(
                new Dictionary<string, string?> { ["ChatSendStorage"] = azurite.ConnectionString }));

        Assert.Equal(0, code);
        Assert.Contains("accessToken from ChatSend:Secrets:meta_token_eu", output.ToString());
        await using var services = new TestServices(azurite);
        var session = (await services.Get<SessionStore>().FindAsync("cloud-eu"))!;
        Assert.Equal("1234567890", session.Setting("phoneNumberId"));
        Assert.Equal(new Dictionary<string, string> { ["accessToken"] = "meta_token_eu", ["appSecret"] = "meta_app_secret" }, session.SecretNames);
    }

    [Fact]
    public async Task SessionShowPrintsTheSessionWithSecretNamesButNoValues()
    {
        var configuration = new Dictionary<string, string?> { ["ChatSendStorage"] = azurite.ConnectionString, ["ChatSend:Secrets:shown_token"] = "value-not-shown" };
        await AdminCommands.RunAsync(["session", "shown-1", "--sender", "+442079460958", "--secret", "accessToken=shown_token"],
            new StringWriter(), new StringWriter(), builder => builder.Configuration.AddInMemoryCollection(configuration));
        using var output = new StringWriter();

        var code = await AdminCommands.RunAsync(["session", "show", "shown-1"], output, new StringWriter(),
            builder => builder.Configuration.AddInMemoryCollection(configuration));

        Assert.Equal(0, code);
        var view = Json.Parse(output.ToString());
        Assert.Equal(("sandbox", "shown_token", true), (view.Str("provider"), view.GetProperty("secrets").GetProperty("accessToken").Str("name"),
            view.GetProperty("secrets").GetProperty("accessToken").GetProperty("configured").GetBoolean()));
        Assert.DoesNotContain("value-not-shown", output.ToString());
    }
}
