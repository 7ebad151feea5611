using ChatSend.Host.Admin;
using ChatSend.Providers.Settings;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace ChatSend.Tests.Integration;

/// <summary>
/// The <c>session</c> command against Azurite: settings stored, secrets stored by name only, and a session whose
/// settings or secrets do not fit its provider's settings type refused (exit 2) with nothing stored.
/// </summary>
public sealed class SessionCommandTests(Azurite azurite) : IClassFixture<Azurite>
{
    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await AdminCommands.RunAsync(args, output, error, builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["ChatSendStorage"] = azurite.ConnectionString }));
        return (code, output.ToString(), error.ToString());
    }

    private static string NewId() => "s" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task TheDevSessionsRecipientsAnswerSoALocalRunShowsBothDirections()
    {
        var (code, output, _) = await RunAsync("seed-dev");
        Assert.Equal(0, code);
        Assert.StartsWith("cs_", output);

        await using var services = new TestServices(azurite);
        var dev = await services.Get<SessionStore>().FindAsync(AdminCommands.DevSession);
        Assert.Equal("3", dev!.Setting("replyAfterSeconds"));
        Assert.Empty(ProviderSettingsSchema.Of<ChatSend.Providers.SandboxSettings>().Validate(dev.ProviderSettings, dev.SecretNames));
        var window = await services.Get<SessionStore>().FindAsync(AdminCommands.DevWindowSession);
        Assert.Equal("enforce", window!.Setting("windowPolicy"));
        Assert.Empty(ProviderSettingsSchema.Of<ChatSend.Providers.SandboxSettings>().Validate(window.ProviderSettings, window.SecretNames));
    }

    [Theory]
    // An unknown key is an error that lists the known ones.
    [InlineData("waha", "setting 'baseURL' is not a setting of this provider; known: baseUrl, wahaSession, maxPerMinute, minRecipientGapSeconds",
        "--setting", "baseURL=https://waha.example.com")]
    [InlineData("sandbox", "setting 'phoneNumberId' is not a setting of this provider; known: deliveredAfterSeconds, readAfterSeconds, replyAfterSeconds, templates, maxPerMinute, minRecipientGapSeconds, windowPolicy",
        "--setting", "phoneNumberId=1")]
    // A missing required one names it.
    [InlineData("evolution", "setting 'instance' is required", "--setting", "baseUrl=https://evo.example.com")]
    [InlineData("whatsapp-cloud", "setting 'phoneNumberId' is required")]
    // A malformed value names it.
    [InlineData("waha", "setting 'baseUrl' must be an absolute http or https URL", "--setting", "baseUrl=waha.example.com")]
    [InlineData("waha", "setting 'baseUrl' must be an absolute http or https URL", "--setting", "baseUrl=ftp://waha.example.com")]
    [InlineData("whatsapp-cloud", "setting 'phoneNumberId' must be the phone number's id from Meta (digits only)", "--setting", "phoneNumberId=+1555")]
    [InlineData("whatsapp-cloud", "setting 'apiVersion' must be a Graph API version such as v26.0", "--setting", "phoneNumberId=1", "--setting", "apiVersion=26")]
    [InlineData("sandbox", "setting 'maxPerMinute' must be a whole number", "--setting", "maxPerMinute=ten")]
    [InlineData("sandbox", "setting 'readAfterSeconds' The field readAfterSeconds must be between 0 and 3600.", "--setting", "readAfterSeconds=7200")]
    // A secret the provider does not read.
    [InlineData("waha", "secret 'accessToken' is not a secret of this provider; known: apiKey, webhookHmacKey",
        "--setting", "baseUrl=https://waha.example.com", "--secret", "accessToken=t")]
    [InlineData("sandbox", "secret 'apiKey' is not a secret of this provider; it reads none", "--secret", "apiKey=k")]
    public async Task ASessionThatDoesNotFitItsProvidersSettingsIsRefusedNamingTheKeyAndNothingIsStored(string provider, string expected,
        params string[] options)
    {
        var id = NewId();
        var (code, output, error) = await RunAsync(["session", id, "--sender", "+442079460958", "--provider", provider, .. options]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.StartsWith($"error: session {id} is not stored: ", error);
        Assert.True(error.Contains(expected), error);
        await using var services = new TestServices(azurite);
        Assert.Null(await services.Get<SessionStore>().FindAsync(id));
    }

    [Fact]
    public async Task EveryProblemOfASessionIsNamedAtOnce()
    {
        var (code, _, error) = await RunAsync("session", NewId(), "--sender", "+442079460958", "--provider", "evolution",
            "--setting", "baseUrl=nope", "--setting", "instnace=main", "--secret", "apikey=k");

        Assert.Equal(2, code);
        Assert.Contains("setting 'instnace' is not a setting", error);
        Assert.Contains("setting 'instance' is required", error);
        Assert.Contains("setting 'baseUrl' must be an absolute http or https URL", error);
        Assert.Contains("secret 'apikey' is not a secret of this provider; known: apiKey, webhookToken", error);
    }

    [Fact]
    public async Task ChangingASessionChecksItAgainAndKeepsTheOldOneWhenItIsRefused()
    {
        var id = NewId();
        Assert.Equal(0, (await RunAsync("session", id, "--sender", "+442079460958", "--provider", "waha", "--setting", "baseUrl=https://waha.example.com")).Code);

        var (code, _, error) = await RunAsync("session", id, "--sender", "+442079460958", "--provider", "waha", "--setting", "baseUrl=https://waha.example.com",
            "--setting", "maxPerMinute=-5");

        Assert.Equal(2, code);
        Assert.Contains("setting 'maxPerMinute' must be a whole number", error);
        await using var services = new TestServices(azurite);
        var kept = (await services.Get<SessionStore>().FindAsync(id))!;
        Assert.Equal(new Dictionary<string, string> { ["baseUrl"] = "https://waha.example.com" }, kept.ProviderSettings);
    }

    [Fact]
    public async Task APhoneNumberIdBelongsToOneSession()
    {
        var (first, second) = (NewId(), NewId());
        var phone = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString();
        Assert.Equal(0, (await RunAsync("session", first, "--sender", "+442079460958", "--provider", "whatsapp-cloud", "--setting", $"phoneNumberId={phone}")).Code);

        var (code, _, error) = await RunAsync("session", second, "--sender", "+442079460959", "--provider", "whatsapp-cloud", "--setting", $"phoneNumberId={phone}");
        var again = await RunAsync("session", first, "--sender", "+442079460958", "--provider", "whatsapp-cloud", "--setting", $"phoneNumberId={phone}",
            "--setting", "apiVersion=v25.0");

        Assert.Equal(2, code);
        Assert.Contains($"setting 'phoneNumberId' is already the phone number of session '{first}'", error);
        Assert.Equal(0, again.Code); // the session that has it may be changed
    }

    [Fact]
    public async Task ASessionIsStoredWithItsSettingsAndTheNamesOfItsSecrets()
    {
        using var output = new StringWriter();
        var code = await AdminCommands.RunAsync(
            ["session", "cloud-eu", "--sender", "+442079460958", "--provider", "whatsapp-cloud", "--setting", "phoneNumberId=1234567890",
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
        await AdminCommands.RunAsync(["session", "shown-1", "--sender", "+442079460958", "--provider", "whatsapp-cloud",
                "--setting", "phoneNumberId=1234567891", "--secret", "accessToken=shown_token"],
            new StringWriter(), new StringWriter(), builder => builder.Configuration.AddInMemoryCollection(configuration));
        using var output = new StringWriter();

        var code = await AdminCommands.RunAsync(["session", "show", "shown-1"], output, new StringWriter(),
            builder => builder.Configuration.AddInMemoryCollection(configuration));

        Assert.Equal(0, code);
        var view = Json.Parse(output.ToString());
        Assert.Equal(("whatsapp-cloud", "shown_token", true), (view.Str("provider"), view.GetProperty("secrets").GetProperty("accessToken").Str("name"),
            view.GetProperty("secrets").GetProperty("accessToken").GetProperty("configured").GetBoolean()));
        Assert.DoesNotContain("value-not-shown", output.ToString());
    }

    [Fact]
    public async Task ASessionsPartitionsAreSetWhenItIsCreatedShownAndKeptButNeverChanged()
    {
        var id = NewId();
        var created = await RunAsync("session", id, "--sender", "+442079460958", "--partitions", "4");
        var shown = await RunAsync("session", "show", id);
        var changed = await RunAsync("session", id, "--sender", "+442079460958", "--partitions", "2");
        var disabled = await RunAsync("session", id, "--sender", "+442079460958", "--disabled"); // stored again, without --partitions
        var refused = await RunAsync("session", NewId(), "--sender", "+442079460958", "--partitions", "17");

        Assert.Equal((0, $"session {id}: sender +442079460958, provider sandbox, enabled, 4 partitions"), (created.Code, created.Output.Trim()));
        Assert.Equal(4, Json.Parse(shown.Output).GetProperty("partitions").GetInt32());
        Assert.Equal((2, ""), (changed.Code, changed.Output));
        Assert.StartsWith($"error: session {id} has 4 partition(s) and keeps them", changed.Error);
        Assert.Equal(0, disabled.Code);
        Assert.Equal((2, "error: --partitions must be a whole number from 1 to 16, not '17'"), (refused.Code, refused.Error.Trim()));
        await using var services = new TestServices(azurite);
        var stored = (await services.Get<SessionStore>().FindAsync(id))!;
        Assert.Equal((4, false), (stored.Partitions, stored.Enabled));
        await Assert.ThrowsAsync<ArgumentException>(() => services.Get<SessionStore>().UpsertAsync(stored with { Partitions = 1 }));
    }
}
