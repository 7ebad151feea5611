using System.Net.Http.Headers;
using ChatSend.Host;
using ChatSend.Providers;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// The local host (Kestrel on a free port, queue listeners on) over an Azurite instance, with the scripted
/// provider added beside the sandbox. Tests drive it over real HTTP.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApp(WebApplication app, Uri baseAddress)
    {
        _app = app;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public HttpClient Http { get; }
    public LogSink Logs => Services.GetRequiredService<LogSink>();
    public IServiceProvider Services => _app.Services;
    public ScriptedProvider Scripted => Services.GetRequiredService<ScriptedProvider>();

    public static async Task<TestApp> StartAsync(Azurite azurite, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var app = LocalHost.Create(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ChatSendStorage"] = azurite.ConnectionString,
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:ChatSend.Host.Queues"] = "Error",
                // What became of each receipt (applied, ignored, unknown), which tests wait for (LogSink.WaitForAsync).
                ["Logging:LogLevel:ChatSend.Receipts"] = "Debug",
                // A second apart, so that read never overtakes delivered (the queue hides them for whole seconds).
                ["ChatSend:Sandbox:DeliveredAfter"] = "00:00:01",
                ["ChatSend:Sandbox:ReadAfter"] = "00:00:02",
                ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
                ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00",
                [TestKeys.WebhookSecretsKeySetting] = TestKeys.WebhookSecretsKey,
                [TestQueueShards.Setting.Key] = TestQueueShards.Setting.Value,
            });
            if (settings is not null)
                builder.Configuration.AddInMemoryCollection(settings);
            var logs = new LogSink();
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton(logs);
            builder.Services.AddSingleton<ScriptedProvider>();
            builder.Services.AddSingleton<IChannelProvider>(sp => sp.GetRequiredService<ScriptedProvider>());
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, new Uri(address));
    }

    public Task<(Session Session, string Key)> NewSessionAsync(string provider = SandboxProvider.ProviderName,
        bool enabled = true, IDictionary<string, string>? settings = null, int? partitions = null) =>
        TestSessions.CreateAsync(Services, provider, settings, enabled, partitions);

    public HttpRequestMessage Request(HttpMethod method, string path, string? key, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (json is not null)
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
