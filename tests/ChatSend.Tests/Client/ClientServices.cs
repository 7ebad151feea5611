using ChatSend.Client;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatSend.Tests.Client;

/// <summary>A container with the client registered as a customer would, logging everything (Trace) into <see cref="Logs"/>.</summary>
public sealed class ClientServices : IDisposable
{
    private readonly ServiceProvider _provider;

    public ClientServices(Uri baseAddress, string apiKey, Action<IHttpClientBuilder>? http = null, Action<ChatSendClientOptions>? options = null)
    {
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        var builder = services.AddChatSendClient(o =>
        {
            o.BaseAddress = baseAddress;
            o.ApiKey = apiKey;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
            options?.Invoke(o);
        });
        http?.Invoke(builder);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public LogSink Logs { get; } = new();

    public IChatSendClient Client => _provider.GetRequiredService<IChatSendClient>();

    public void Dispose() => _provider.Dispose();
}
