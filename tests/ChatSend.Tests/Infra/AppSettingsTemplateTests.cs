using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatSend.Providers;
using ChatSend.Queues;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Infra;

/// <summary>
/// The function app's settings in the compiled template, and local.settings.sample.json, against what the code
/// reads: no options setting missing from either (no drift), storage and telemetry through the managed identity,
/// and no key anywhere.
/// </summary>
public partial class AppSettingsTemplateTests
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
    public void TheFunctionsOfShardsBeyondQueueShardsAreDisabledAndShardZerosAlwaysRun()
    {
        var settings = AppSettings();

        Assert.Equal("[string(parameters('queueShards'))]", (string?)settings["ChatSend__Queues__Shards"]);
        var beyond = QueueEndpoints.All.Where(e => e.Shard > 0).ToList();
        Assert.Equal(beyond.Select(e => DisabledSetting(e.Name)).Order(),
            settings.Select(s => s.Key).Where(k => k.StartsWith("AzureWebJobs.", StringComparison.Ordinal) && k.EndsWith(".Disabled", StringComparison.Ordinal)).Order());
        foreach (var endpoint in beyond)
            Assert.Equal($"[if(greater(parameters('queueShards'), {endpoint.Shard}), 'false', 'true')]", (string?)settings[DisabledSetting(endpoint.Name)]);

        // That queueShards is main.bicep's, which main.bicepparam reads from CHATSEND_QUEUE_SHARDS (1 unless set).
        var functionApp = ArmTemplate.Main.AllTemplates().Single(t => (string?)t.Deployment?["name"] == "functionApp");
        Assert.Equal("[parameters('queueShards')]", functionApp.Resolve(JsonValue.Create("[parameters('queueShards')]"))?.ToString());
        Assert.Equal(1, (int)BuiltParameters("main.parameters.json")["queueShards"]!["value"]!);
    }

    [Fact]
    public void QueuePollingComesFromQueuePollingSecondsWhoseDefaultIsHostJsons()
    {
        var setting = (string?)AppSettings()["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"];

        Assert.Equal("[if(equals(parameters('queuePollingSeconds'), 60), '00:01:00', format('00:00:{0}', padLeft(string(parameters('queuePollingSeconds')), 2, '0')))]", setting);
        // Unless CHATSEND_QUEUE_POLLING_SECONDS is set, the deployment polls as host.json says (and the tests run with).
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!;
        var seconds = (int)BuiltParameters("main.parameters.json")["queuePollingSeconds"]!["value"]!;
        Assert.Equal(TimeSpan.Parse((string)hostJson["extensions"]!["queues"]!["maxPollingInterval"]!), TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void LocalSettingsSampleRunsOneShardWithTheOthersFunctionsDisabled()
    {
        var values = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, SampleFile)))!["Values"]!.AsObject();

        Assert.Equal("1", (string?)values["ChatSend__Queues__Shards"]);
        foreach (var endpoint in QueueEndpoints.All)
            Assert.Equal(endpoint.Shard > 0 ? "true" : null, (string?)values[DisabledSetting(endpoint.Name)]);
    }

    /// <summary>The Functions host's documented app setting that keeps a function's trigger from listening.</summary>
    private static string DisabledSetting(string function) => $"AzureWebJobs.{function}.Disabled";

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
    public void TheWorkersExporterAuthenticatesAsTheIdentityTheHostsTelemetryNames()
    {
        var settings = AppSettings();

        // The worker's Azure Monitor exporter takes its credential from the storage connection's settings
        // (AddChatSendTelemetry), the Functions host from APPLICATIONINSIGHTS_AUTHENTICATION_STRING: one identity.
        Assert.Equal("managedidentity", (string?)settings[$"{StorageNames.Connection}__credential"]);
        var clientId = ((string?)settings[$"{StorageNames.Connection}__clientId"])!.Trim('[', ']');
        Assert.Contains(clientId, (string?)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.Equal(ChatSend.Telemetry.TelemetryServiceCollectionExtensions.AzureMonitorSetting, "APPLICATIONINSIGHTS_CONNECTION_STRING");
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

    [Fact]
    public void ProviderSecretsAreKeyVaultReferencesNamedAsTheCodeReadsThem()
    {
        var (toObject, template) = Assert.Single(AppSettingsParts().Computed);
        var match = SecretSettings().Match(toObject);
        Assert.True(match.Success, $"The computed app settings are not one Key Vault reference per provider secret name: {toObject}");

        // The names come from main.bicep's providerSecretNames, which main.bicepparam reads from CHATSEND_PROVIDER_SECRETS.
        Assert.Equal("[parameters('providerSecretNames')]", template.Resolve(JsonValue.Create($"[parameters('{match.Groups["names"].Value}')]"))?.ToString());
        var names = BuiltParameters("main.parameters.secrets.json")["providerSecretNames"]!["value"]!.AsArray().Select(n => (string)n!).ToList();
        Assert.Equal(["meta_token", "meta_app_secret"], names);
        Assert.Empty(BuiltParameters("main.parameters.json")["providerSecretNames"]!["value"]!.AsArray());

        // What the app gets for meta_token: the setting ProviderSecrets reads, whose value the platform fetches from the vault.
        var vault = template.Resolve(JsonValue.Create($"[{match.Groups["vault"].Value}]"))?.ToString();
        Assert.Contains("keyVault", vault);
        var setting = string.Format(CultureInfo.InvariantCulture, match.Groups["key"].Value, "meta_token");
        Assert.Equal(ProviderSecrets.Section.Replace(":", "__", StringComparison.Ordinal) + "__meta_token", setting);
        var reference = string.Format(CultureInfo.InvariantCulture, match.Groups["value"].Value, "kv-x", "meta_token".Replace('_', '-'));
        Assert.Equal("@Microsoft.KeyVault(VaultName=kv-x;SecretName=meta-token)", reference);
    }

    /// <summary>The app settings of the function app, from a sites/config 'appsettings' resource or siteConfig.appSettings.</summary>
    internal static JsonObject AppSettings() => AppSettingsParts().Settings;

    /// <summary>
    /// The plain settings (from literal objects, followed through module parameters and <c>union(…)</c>) and the
    /// settings computed at deployment, as ARM expressions with the template they are in.
    /// </summary>
    private static (JsonObject Settings, List<(string Expression, ArmTemplate Template)> Computed) AppSettingsParts()
    {
        var settings = new JsonObject();
        var computed = new List<(string, ArmTemplate)>();
        foreach (var config in ArmTemplate.Main.ResourcesOfType("Microsoft.Web/sites/config").Where(c => c.Name.Contains("appsettings", StringComparison.Ordinal)))
            foreach (var part in UnionParts(config.Json["properties"], config.Template))
                if (part is JsonObject plain)
                    foreach (var (name, value) in plain)
                        settings[name] = value?.DeepClone();
                else
                    computed.Add((part?.ToString()[1..^1] ?? "", config.Template));
        foreach (var site in ArmTemplate.Main.ResourcesOfType("Microsoft.Web/sites"))
            if (site.Properties["siteConfig"]?["appSettings"] is JsonArray list)
                foreach (var item in list.OfType<JsonObject>())
                    settings[(string)item["name"]!] = item["value"]?.DeepClone();
        Assert.True(settings.Count > 0, "The template has no app settings for the function app.");
        foreach (var (name, value) in settings)
            Assert.True(value is JsonValue v && v.TryGetValue<string>(out _), $"App setting values are strings; {name} is {value?.GetValueKind()}");
        return (settings, computed);
    }

    /// <summary>A properties value as the objects a top-level <c>union(a, b, …)</c> merges, each resolved as far as it goes.</summary>
    private static IEnumerable<JsonNode?> UnionParts(JsonNode? properties, ArmTemplate template)
    {
        var resolved = template.Resolve(properties?.DeepClone());
        if (resolved is not JsonValue v || !v.TryGetValue<string>(out var text) || !text.StartsWith("[union(", StringComparison.Ordinal))
            return [resolved];
        return TopLevelArguments(text["[union(".Length..^2]).Select(a => template.Resolve(JsonValue.Create($"[{a}]")));
    }

    private static IEnumerable<string> TopLevelArguments(string arguments)
    {
        int depth = 0, start = 0;
        var quoted = false;
        for (var i = 0; i < arguments.Length; i++)
        {
            var c = arguments[i];
            if (c == '\'') quoted = !quoted;
            else if (!quoted && c == '(') depth++;
            else if (!quoted && c == ')') depth--;
            else if (!quoted && depth == 0 && c == ',')
            {
                yield return arguments[start..i].Trim();
                start = i + 1;
            }
        }
        yield return arguments[start..].Trim();
    }

    private static JsonObject BuiltParameters(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, ".artifacts/infra", file)))!["parameters"]!.AsObject();

    [GeneratedRegex(@"^toObject\(parameters\('(?<names>\w+)'\), lambda\('(?<n>\w+)', format\('(?<key>[^']*)', lambdaVariables\('\k<n>'\)\)\), lambda\('(?<m>\w+)', format\('(?<value>[^']*)', (?<vault>parameters\('\w+'\)), replace\(lambdaVariables\('\k<m>'\), '_', '-'\)\)\)\)$")]
    private static partial Regex SecretSettings();
}
