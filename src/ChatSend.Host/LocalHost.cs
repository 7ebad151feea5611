using ChatSend.Providers;
using ChatSend.Host.Queues;
using ChatSend.Http;
using ChatSend.Telemetry;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChatSend.Host;

/// <summary>
/// Serves ChatSend's HTTP routes on Kestrel and drains its queues with the Functions queue trigger's
/// semantics, over the same library, route and queue declarations and configuration keys as the Functions app.
/// </summary>
public static class LocalHost
{
    /// <summary>
    /// <c>false</c> serves HTTP only, without the queue listeners (<c>--ChatSend:LocalHost:QueueListeners=false</c> or
    /// <c>ChatSend__LocalHost__QueueListeners=false</c>), so a benchmark can measure <c>POST /send</c> alone.
    /// </summary>
    public const string QueueListenersSetting = "ChatSend:LocalHost:QueueListeners";

    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json sits beside the binary, wherever the host is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddChatSendLogDefaults();
        builder.Services.AddChatSend(builder.Configuration);
        builder.Services.AddChatSendOpenApi();
        builder.Services.AddHostedService<SweeperService>();
        configure?.Invoke(builder);
        // After configure, so settings it adds (tests, benchmarks, tools) decide these too.
        builder.Services.AddChatSendTelemetry(builder.Configuration)
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation())
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation());
        if (builder.Configuration.GetValue(QueueListenersSetting, defaultValue: true))
            builder.Services.AddQueueListeners(builder.Configuration);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapChatSendApi();
        app.MapChatSendDocs();
        return app;
    }

    /// <summary>
    /// Writes <see cref="OpenApiJsonAsync"/> to <paramref name="path"/>, by default the checked-in <c>openapi/v1.json</c> of the
    /// repository around the current directory (<c>dotnet run</c> starts the host in its project folder).
    /// </summary>
    public static async Task<int> WriteOpenApiAsync(string? path)
    {
        path ??= Path.Combine(RepositoryRoot(Environment.CurrentDirectory), "openapi", "v1.json");
        await File.WriteAllTextAsync(path, await OpenApiJsonAsync() + "\n");
        Console.Out.WriteLine($"wrote {path}");
        return 0;
    }

    /// <summary>
    /// Writes the generated tables of <c>docs/providers.md</c> (what each provider sends, its settings and secrets) from
    /// <see cref="ProviderCatalog"/>: <c>dotnet run --project src/ChatSend.Host -- docs</c>.
    /// </summary>
    public static async Task<int> WriteProviderDocsAsync(string? path)
    {
        path ??= Path.Combine(RepositoryRoot(Environment.CurrentDirectory), "docs", "providers.md");
        await File.WriteAllTextAsync(path, ProviderCatalog.WriteDocs(await File.ReadAllTextAsync(path)));
        Console.Out.WriteLine($"wrote {path}");
        return 0;
    }

    private static string RepositoryRoot(string from) =>
        File.Exists(Path.Combine(from, "ChatSend.sln")) ? from
        : Path.GetDirectoryName(from) is { } parent ? RepositoryRoot(parent)
        : throw new InvalidOperationException("Run this inside the repository (no ChatSend.sln above the current directory), or pass a path.");

    /// <summary>
    /// The OpenAPI document as <c>/openapi/v1.json</c> serves it, generated without starting the host: what
    /// <c>dotnet run --project src/ChatSend.Host -- openapi</c> writes to the checked-in copy.
    /// </summary>
    public static async Task<string> OpenApiJsonAsync()
    {
        // Started on a free port and asked over HTTP, so the text is exactly what MapOpenApi serves; no queue or sweep work.
        await using var app = Create(["--urls", "http://127.0.0.1:0", $"--{QueueListenersSetting}=false"], builder =>
            builder.Services.Remove(builder.Services.Single(d => d.ImplementationType == typeof(SweeperService))));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var json = await http.GetStringAsync(ApiDocs.DocumentPattern.Replace("{documentName}", ApiDocs.DocumentName));
        await app.StopAsync();
        return json;
    }
}
