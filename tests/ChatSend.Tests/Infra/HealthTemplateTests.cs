using System.Globalization;
using System.Text.Json.Nodes;

namespace ChatSend.Tests.Infra;

/// <summary>
/// Health in the deployed app: no platform health check path (Flex Consumption has no App Service health check, see
/// docs/operations.md, "Health probes"), and the ready answer cached for seconds, not minutes, with checks bounded below it.
/// </summary>
public sealed class HealthTemplateTests
{
    [Fact]
    public void TheFlexConsumptionAppSetsNoHealthCheckPath()
    {
        var site = Assert.Single(ArmTemplate.Main.ResourcesOfType("Microsoft.Web/sites"));
        Assert.Null(site.Properties["siteConfig"]?["healthCheckPath"]);
        Assert.DoesNotContain(ArmTemplate.Main.ResourcesOfType("Microsoft.Web/sites/config"),
            config => config.Properties.ContainsKey("healthCheckPath"));
        Assert.DoesNotContain("healthCheckPath", ArmTemplate.CompiledText, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ReadyIsCachedForAFewSecondsAndEachCheckTimesOutSoonerThanAProbeWaits()
    {
        var settings = AppSettingsTemplateTests.AppSettings();
        var cacheFor = Span(settings, "ChatSend__Health__CacheFor");
        var timeout = Span(settings, "ChatSend__Health__Timeout");

        Assert.InRange(cacheFor, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.InRange(timeout, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
    }

    private static TimeSpan Span(JsonObject settings, string name) =>
        TimeSpan.Parse((string?)settings[name] ?? throw new Xunit.Sdk.XunitException($"{name} is not set"), CultureInfo.InvariantCulture);
}
