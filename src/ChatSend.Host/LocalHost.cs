using ChatSend.Host.Queues;
using ChatSend.Http;

namespace ChatSend.Host;

/// <summary>
/// Serves ChatSend's HTTP routes on Kestrel and drains its queues with the Functions queue trigger's
/// semantics, over the same library, route and queue declarations and configuration keys as the Functions app.
/// </summary>
public static class LocalHost
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json sits beside the binary, wherever the host is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddChatSendLogDefaults();
        builder.Services.AddChatSend(builder.Configuration);
        builder.Services.AddQueueListeners(builder.Configuration);
        builder.Services.AddHostedService<SweeperService>();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapChatSendApi();
        return app;
    }
}
