using ChatSend.Host.Admin;
using ChatSend.Tests.Infrastructure;
using ChatSend.Webhooks;
using Microsoft.Extensions.Configuration;

namespace ChatSend.Tests.Integration;

/// <summary>The <c>webhook</c> operator commands against Azurite: the same store and checks as the routes; secrets printed only by add and rotate.</summary>
public sealed class WebhookCommandTests(Azurite azurite) : IClassFixture<Azurite>
{
    private async Task<(int Code, string Output, string Error)> RunAsync(IDictionary<string, string?>? settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new Dictionary<string, string?>
        {
            ["ChatSendStorage"] = azurite.ConnectionString,
            [TestKeys.WebhookSecretsKeySetting] = TestKeys.WebhookSecretsKey,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            configuration[key] = value;
        var code = await AdminCommands.RunAsync(args, output, error, builder => builder.Configuration.AddInMemoryCollection(configuration));
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(null, args);

    private async Task<string> NewSessionAsync()
    {
        await using var services = new TestServices(azurite);
        return (await services.NewSessionAsync()).Session.Id;
    }

    [Fact]
    public async Task AddPrintsTheSecretOnceAndListShowsTheWebhookWithoutIt()
    {
        var session = await NewSessionAsync();

        var (code, output, _) = await RunAsync("webhook", "add", session, "--url", "https://8.8.8.8/hook", "--events", "chatsend.message.read,chatsend.message.failed");

        Assert.Equal(0, code);
        var created = Json.Parse(output);
        Assert.StartsWith("whsec_", created.Str("secret"));
        Assert.Equal(["chatsend.message.read", "chatsend.message.failed"], created.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        var (listed, list, _) = await RunAsync("webhook", "list", session);
        Assert.Equal(0, listed);
        Assert.Equal(created.Str("id"), Json.Parse(list).GetProperty("items")[0].Str("id"));
        Assert.DoesNotContain("whsec_", list);
    }

    [Fact]
    public async Task RotateDisableEnableUpdateAndDeleteActOnTheStoredWebhook()
    {
        var session = await NewSessionAsync();
        var id = Json.Parse((await RunAsync("webhook", "add", session, "--url", "https://8.8.8.8/hook")).Output).Str("id");

        var rotated = Json.Parse((await RunAsync("webhook", "rotate", session, id)).Output);
        Assert.Equal(id, rotated.Str("id"));
        Assert.StartsWith("whsec_", rotated.Str("secret"));

        var disabled = Json.Parse((await RunAsync("webhook", "disable", session, id, "--reason", "maintenance")).Output);
        Assert.Equal((false, "maintenance"), (disabled.GetProperty("enabled").GetBoolean(), disabled.Str("disabledReason")));
        var enabled = Json.Parse((await RunAsync("webhook", "enable", session, id)).Output);
        Assert.Equal((true, false), (enabled.GetProperty("enabled").GetBoolean(), enabled.TryGetProperty("disabledReason", out _)));
        var updated = Json.Parse((await RunAsync("webhook", "update", session, id, "--url", "https://8.8.4.4/new", "--events", "chatsend.message.sent")).Output);
        Assert.Equal(("https://8.8.4.4/new", "chatsend.message.sent"), (updated.Str("url"), updated.GetProperty("events")[0].GetString()));
        Assert.DoesNotContain("whsec_", updated.ToString());

        Assert.Equal((0, $"webhook {id} deleted"), await RunCodeAndLineAsync("webhook", "delete", session, id));
        Assert.Equal(1, (await RunAsync("webhook", "delete", session, id)).Code);
        Assert.Equal(1, (await RunAsync("webhook", "rotate", session, id)).Code);
    }

    private async Task<(int, string)> RunCodeAndLineAsync(params string[] args)
    {
        var (code, output, _) = await RunAsync(args);
        return (code, output.Trim());
    }

    [Theory]
    [InlineData("--url", "https://10.0.0.1/hook", "--url:")]
    [InlineData("--url", "ftp://8.8.8.8/hook", "--url:")]
    [InlineData("--events", "chatsend.message.nope", "--events:")]
    public async Task ABadUrlOrEventIsAUsageErrorNamingTheOption(string option, string value, string named)
    {
        var session = await NewSessionAsync();
        var args = option == "--url" ? new[] { "webhook", "add", session, option, value } : ["webhook", "add", session, "--url", "https://8.8.8.8/", option, value];

        var (code, output, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith("error: " + named, error);
        Assert.Empty(output);
    }

    [Fact]
    public async Task WithoutTheSecretsKeyTheCommandsSayWhatToSet()
    {
        var session = await NewSessionAsync();

        var (code, _, error) = await RunAsync(new Dictionary<string, string?> { [TestKeys.WebhookSecretsKeySetting] = "" },
            "webhook", "add", session, "--url", "https://8.8.8.8/hook");

        Assert.Equal(2, code);
        Assert.Contains("ChatSend:Secrets:" + WebhookOptions.DefaultSecretKeyName, error);
    }

    [Fact]
    public async Task AnUnknownSessionIsAnError()
    {
        var (code, _, error) = await RunAsync("webhook", "list", "no-such-session");
        Assert.Equal((2, "error: no session 'no-such-session'"), (code, error.Trim()));
    }
}
