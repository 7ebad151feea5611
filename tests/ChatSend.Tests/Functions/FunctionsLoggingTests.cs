using ChatSend.Telemetry;
using ChatSend.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatSend.Tests.Functions;

/// <summary>
/// The Functions worker, registered as its <c>Program.cs</c> does, logs through the same redacting logger factory as the
/// local host (<see cref="EndToEnd.LoggingTests"/> checks the real request lines there): a hosting request line reaches
/// every provider without its query.
/// </summary>
public sealed class FunctionsLoggingTests
{
    [Fact]
    public void TheWorkersRequestLinesReachEveryProviderWithoutTheirQuery()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration.AddChatSendLogDefaults();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information" });
        builder.Services.AddChatSend(builder.Configuration);
        var sink = new LogSink();
        builder.Logging.AddProvider(sink);
        using var host = builder.Build();

        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(RequestLogRedaction.HostingCategory);
        KeyValuePair<string, object?>[] line = [new("Method", "GET"), new("Path", "/messages"), new("QueryString", "?to=%2B12025550123"),
            new("StatusCode", 200), new("{OriginalFormat}", "Request finished {Method} {Path}{QueryString} - {StatusCode}")];
        logger.Log(LogLevel.Information, new EventId(2, "RequestFinished"), line, null, (_, _) => "Request finished GET /messages?to=%2B12025550123 - 200");

        var logged = Assert.Single(sink.Lines, l => l.Contains(RequestLogRedaction.HostingCategory));
        Assert.Contains("Request finished GET /messages?* - 200", logged);
        Assert.Contains("QueryString=?*", logged);
        Assert.DoesNotContain("12025550123", logged);
    }
}
