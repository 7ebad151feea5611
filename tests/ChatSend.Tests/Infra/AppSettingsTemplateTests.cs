using System.Text.Json.Nodes;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Infra;

/// <summary>
/// The function app's settings in the compiled template, and local.settings.sample.json, against what the code
/// reads: no options setting missing from either (no drift), storage and telemetry through the managed identity,
/// and no key anywhere.
/// </summary>
public class AppSettingsTemplateTests
{
    private const string BicepFile = "infra/app/function-app.bicep";
    private const string SampleFile = "local.settings.sample.json";

    private static readonly string[] IdentityStorageSettings = ["blobServiceUri", "queueServiceUri", "tableServiceUri", "credential", "clientId"];

    [Fact]
    public void OptionsClassesAreFoundByReflection()
    {
        Assert.Contains(OptionsSettings.All, s => s.Key == "ChatSend__Delivery__MaxAttempts");
        Assert.Contains(OptionsSettings.All, s => s.Key == "ChatSend__Sandbox__ReadAfter");
    }

    [Fact]
    public void AppSettingsHaveEveryOptionsSettingWithAValueThatBinds()
    {
        var settings = AppSettings();

        var missing = OptionsSettings.All.Where(s => !settings.ContainsKey(s.Key)).ToList();
        Assert.True(missing.Count == 0,
            $"Add to the appsettings of {BicepFile} (and to {SampleFile}):{Environment.NewLine}" +
            string.Join(Environment.NewLine, missing.Select(s => $"  {s.Key}: '{s.DefaultText}'    // {s.OptionsType.Name}.{s.Property.Name}")));

        var unbindable = OptionsSettings.All
            .Select(s => (setting: s, value: (string?)settings[s.Key]))
            .Where(x => x.value is not null && !ArmTemplate.IsExpression(x.value) && !OptionsSettings.Binds(x.setting, x.value))
            .Select(x => $"  {x.setting.Key}: '{x.value}' is not a {x.setting.Property.PropertyType.Name}")
            .ToList();
        Assert.True(unbindable.Count == 0, $"{BicepFile} sets values the options cannot bind:{Environment.NewLine}{string.Join(Environment.NewLine, unbindable)}");
    }

    [Fact]
    public void LocalSettingsSampleHasEveryOptionsSettingWithAValueThatBinds()
    {
        var values = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, SampleFile)))!["Values"]!.AsObject();

        var missing = OptionsSettings.All.Where(s => !values.ContainsKey(s.Key)).ToList();
        Assert.True(missing.Count == 0,
            $"Add to \"Values\" in {SampleFile} (and to {BicepFile}):{Environment.NewLine}" +
            string.Join(Environment.NewLine, missing.Select(s => $"  \"{s.Key}\": \"{s.DefaultText}\"")));
        var unbindable = OptionsSettings.All.Where(s => !OptionsSettings.Binds(s, (string?)values[s.Key] ?? "")).Select(s => s.Key).ToList();
        Assert.True(unbindable.Count == 0, $"{SampleFile} has values the options cannot bind: {string.Join(", ", unbindable)}");
        Assert.True(values.ContainsKey(StorageNames.Connection), $"{SampleFile} must set {StorageNames.Connection}");
    }

    [Theory]
    [InlineData("AzureWebJobsStorage")]
    [InlineData(StorageNames.Connection)]
    public void StorageConnectionUsesTheManagedIdentity(string connection)
    {
        var settings = AppSettings();

        foreach (var name in IdentityStorageSettings)
            Assert.True(settings.ContainsKey($"{connection}__{name}"), $"{connection}__{name} is missing");
        Assert.Equal("managedidentity", (string?)settings[$"{connection}__credential"]);
        Assert.Contains("clientId", (string?)settings[$"{connection}__clientId"]);
        foreach (var service in new[] { "blob", "queue", "table" })
            Assert.Contains($"primaryEndpoints.{service}", (string?)settings[$"{connection}__{service}ServiceUri"]);
        Assert.False(settings.ContainsKey(connection), $"{connection} as a connection string would need a key");
    }

    [Fact]
    public void TelemetryUsesEntraIdAuthWithTheAppsIdentity()
    {
        var settings = AppSettings();

        Assert.Contains("ConnectionString", (string?)settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        var authentication = (string?)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
        Assert.Contains("ClientId=", authentication);
        Assert.Contains("Authorization=AAD", authentication);
    }

    [Fact]
    public void NoSettingOrTemplateValueCarriesAKey()
    {
        foreach (var (name, value) in AppSettings())
        {
            var text = value?.ToJsonString() ?? "";
            Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessSignature", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("InstrumentationKey=", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", text, StringComparison.OrdinalIgnoreCase);
            Assert.False(name.EndsWith("_KEY", StringComparison.OrdinalIgnoreCase), $"{name} looks like a key");
        }

        var template = ArmTemplate.CompiledText;
        Assert.DoesNotContain("listKeys(", template, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listAccountSas(", template, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listServiceSas(", template, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey=", template, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AppSettingsLeaveOutWhatFlexConsumptionSetsItself()
    {
        var settings = AppSettings();

        // Flex Consumption takes the runtime from functionAppConfig and refuses these as app settings.
        foreach (var name in new[] { "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING" })
            Assert.False(settings.ContainsKey(name), $"{name} must not be an app setting on Flex Consumption");
    }

    /// <summary>The app settings of the function app, from a sites/config 'appsettings' resource or siteConfig.appSettings.</summary>
    private static JsonObject AppSettings()
    {
        var settings = new JsonObject();
        foreach (var config in ArmTemplate.Main.ResourcesOfType("Microsoft.Web/sites/config").Where(c => c.Name.Contains("appsettings", StringComparison.Ordinal)))
            foreach (var (name, value) in config.Properties)
                settings[name] = value?.DeepClone();
        foreach (var site in ArmTemplate.Main.ResourcesOfType("Microsoft.Web/sites"))
            if (site.Properties["siteConfig"]?["appSettings"] is JsonArray list)
                foreach (var item in list.OfType<JsonObject>())
                    settings[(string)item["name"]!] = item["value"]?.DeepClone();
        Assert.True(settings.Count > 0, "The template has no app settings for the function app.");
        foreach (var (name, value) in settings)
            Assert.True(value is JsonValue v && v.TryGetValue<string>(out _), $"App setting values are strings; {name} is {value?.GetValueKind()}");
        return settings;
    }
}
