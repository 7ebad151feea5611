using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ChatSend.Tests.Infra;

/// <summary>The Flex Consumption app, monitoring and Key Vault settings, and the template's own conventions (descriptions, azd outputs).</summary>
public partial class TemplateConventionsTests
{
    private static ArmTemplate Main => ArmTemplate.Main;

    [Fact]
    public void FunctionAppRunsDotnetIsolated10OnFlexConsumptionAsTheUserAssignedIdentity()
    {
        var plan = Assert.Single(Main.ResourcesOfType("Microsoft.Web/serverfarms"));
        Assert.Equal("FC1", (string?)plan.Json["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan.Json["sku"]?["tier"]);
        Assert.True((bool)plan.Properties["reserved"]!);

        var site = Assert.Single(Main.ResourcesOfType("Microsoft.Web/sites"));
        Assert.Equal("functionapp,linux", (string?)site.Json["kind"]);
        Assert.Equal("UserAssigned", (string?)site.Json["identity"]?["type"]);
        Assert.True((bool)site.Properties["httpsOnly"]!);
        Assert.Contains("azd-service-name", (string?)site.Json["tags"]);

        var config = site.Properties["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]?["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]?["version"]);
        Assert.Equal("[parameters('instanceMemoryMB')]", (string?)site.Template.Resolve(config["scaleAndConcurrency"]?["instanceMemoryMB"]?.DeepClone()));
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)site.Template.Resolve(config["scaleAndConcurrency"]?["maximumInstanceCount"]?.DeepClone()));

        var deployment = config["deployment"]!["storage"]!;
        Assert.Equal("blobContainer", (string?)deployment["type"]);
        Assert.Contains("parameters('deploymentContainerName')", (string?)deployment["value"]);
        Assert.Equal("UserAssignedIdentity", (string?)deployment["authentication"]?["type"]);
        Assert.Contains("userAssignedIdentities", (string?)deployment["authentication"]?["userAssignedIdentityResourceId"]);
    }

    [Fact]
    public void ApplicationInsightsOnLogAnalyticsAcceptsOnlyEntraIdTelemetry()
    {
        Assert.Single(Main.ResourcesOfType("Microsoft.OperationalInsights/workspaces"));
        var insights = Assert.Single(Main.ResourcesOfType("Microsoft.Insights/components")).Properties;

        Assert.True((bool)insights["DisableLocalAuth"]!);
        Assert.Contains("Microsoft.OperationalInsights/workspaces", (string?)insights["WorkspaceResourceId"]);
    }

    [Fact]
    public void KeyVaultUsesRbacAndSoftDelete()
    {
        var vault = Assert.Single(Main.ResourcesOfType("Microsoft.KeyVault/vaults")).Properties;

        Assert.True((bool)vault["enableRbacAuthorization"]!);
        Assert.True((bool)vault["enableSoftDelete"]!);
        Assert.Null(vault["accessPolicies"]);
    }

    [Fact]
    public void EveryParameterAndOutputIsDescribed()
    {
        var undescribed = Main.AllTemplates()
            .SelectMany(t => Members(t, "parameters").Concat(Members(t, "outputs")))
            .Where(m => string.IsNullOrWhiteSpace((string?)m.Value?["metadata"]?["description"]))
            .Select(m => m.Key)
            .ToList();

        Assert.True(undescribed.Count == 0, "Add @description to: " + string.Join(", ", undescribed));
    }

    [Fact]
    public void MainOutputsAreUpperSnakeAndGiveAzdWhatItNeeds()
    {
        var outputs = Main.Template["outputs"]!.AsObject().Select(o => o.Key).ToList();

        Assert.All(outputs, name => Assert.Matches(UpperSnake(), name));
        foreach (var name in new[]
                 {
                     "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME", "SERVICE_API_NAME",
                     "SERVICE_API_URI", "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_KEY_VAULT_NAME",
                 })
            Assert.Contains(name, outputs);
        Assert.Equal("subscriptionDeploymentTemplate.json#", ((string?)Main.Template["$schema"])?.Split('/')[^1]);
    }

    private static IEnumerable<KeyValuePair<string, JsonNode?>> Members(ArmTemplate template, string section) =>
        template.Template[section] is JsonObject members
            ? members.Select(m => new KeyValuePair<string, JsonNode?>($"{template.Deployment?["name"] ?? "main"}.{section}.{m.Key}", m.Value))
            : [];

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();
}
