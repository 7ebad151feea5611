using ChatSend.Host.Queues;
using ChatSend.Http;

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
        configure?.Invoke(builder); // before the settings below are read, so a caller's configuration counts
        if (builder.Configuration.GetValue(QueueListenersSetting, defaultValue: true))
            builder.Services.AddQueueListeners(builder.Configuration);
        builder.Services.AddHostedService<SweeperService>();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapChatSendApi();
        return app;
    }
}
