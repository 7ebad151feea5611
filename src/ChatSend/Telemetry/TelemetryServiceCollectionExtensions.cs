using Azure.Monitor.OpenTelemetry.Exporter;
using ChatSend.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChatSend.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary><c>true</c> writes spans and metrics to the console (local runs).</summary>
    public const string ConsoleSetting = "ChatSend:Telemetry:Console";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string AzureMonitorSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string ServiceName = "chatsend";

    /// <summary>
    /// OpenTelemetry for ChatSend's spans and metrics and its outgoing HTTP calls, with the exporters the configuration
    /// asks for: Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (authenticated with the
    /// credential the storage clients use: the app's managed identity in Azure), OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the console when <c>ChatSend:Telemetry:Console=true</c>, none
    /// otherwise. Both hosts call this once and add their own instrumentation to the builder it returns.
    /// </summary>
    public static OpenTelemetryBuilder AddChatSendTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var console = configuration.GetValue<bool>(ConsoleSetting);
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrEmpty(configuration["OTEL_SERVICE_NAME"]))
                    resource.AddService(ServiceName);
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(ChatSendTelemetry.Name).AddHttpClientInstrumentation();
                if (console)
                    tracing.AddConsoleExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ChatSendTelemetry.Name).AddHttpClientInstrumentation();
                if (console)
                    metrics.AddConsoleExporter();
            });
        if (!string.IsNullOrEmpty(configuration[OtlpEndpointSetting]))
            builder.UseOtlpExporter();
        if (configuration[AzureMonitorSetting] is { Length: > 0 } connectionString)
        {
            var storage = configuration.GetSection(StorageNames.Connection).Get<StorageOptions>() ?? new StorageOptions();
            builder.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = connectionString;
                o.Credential = StorageClients.CreateCredential(storage);
            });
        }
        return builder;
    }
}
