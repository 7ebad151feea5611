using ChatSend.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChatSend.Tests.Unit;

/// <summary>AddChatSendTelemetry picks its exporters from configuration and builds with each of them.</summary>
public sealed class TelemetryRegistrationTests
{
    [Theory]
    [InlineData(null, null, null)]
    [InlineData("true", null, null)]
    [InlineData(null, "http://127.0.0.1:4317", null)]
    [InlineData(null, null, "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:1/")]
    public void TheProvidersBuildWithTheConfiguredExporters(string? console, string? otlp, string? azureMonitor)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TelemetryServiceCollectionExtensions.ConsoleSetting] = console,
            [TelemetryServiceCollectionExtensions.OtlpEndpointSetting] = otlp,
            [TelemetryServiceCollectionExtensions.AzureMonitorSetting] = azureMonitor,
            ["ChatSendStorage:credential"] = "managedidentity",
            ["ChatSendStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddChatSendTelemetry(configuration);

        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<TracerProvider>());
        Assert.NotNull(provider.GetRequiredService<MeterProvider>());
    }
}
