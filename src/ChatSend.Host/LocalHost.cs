using ChatSend.Delivery;
using ChatSend.Host.Queues;
using ChatSend.Receipts;
using ChatSend.Storage;

namespace ChatSend.Host;

/// <summary>
/// Serves ChatSend's HTTP routes on Kestrel and drains its queues with the Functions queue trigger's
/// semantics, over the same library and configuration keys as the Functions app.
/// </summary>
public static class LocalHost
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json sits beside the binary, wherever the host is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddChatSend(builder.Configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddQueueListeners(builder.Configuration)
            .Listen<DeliveryProcessor>(StorageNames.DeliveriesQueue, (h, body, ct) => h.ProcessAsync(body, ct))
            .Listen<DeliveryFailedHandler>(StorageNames.DeliveriesPoisonQueue, (h, body, ct) => h.HandleAsync(body, ct))
            .Listen<ReceiptHandler>(StorageNames.ReceiptsQueue, (h, body, ct) => h.HandleAsync(body, ct));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapChatSend();
        return app;
    }
}
