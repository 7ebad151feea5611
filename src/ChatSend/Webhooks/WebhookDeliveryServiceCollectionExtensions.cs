using ChatSend.Events;
using ChatSend.Media;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

public static class WebhookDeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Delivery of events to customer webhooks: the sink, the queue, the handlers of the queue and its poison queue, and
    /// the guarded HTTP client. The registry (<see cref="IWebhookEndpoints"/>, <see cref="IWebhookLog"/>, <see cref="WebhookOptions"/>) is registered apart.
    /// </summary>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(new WebhookDeliveryPolicy());
        services.AddSingleton<WebhookDeliveryGate>();
        services.AddSingleton<WebhookOrder>();
        services.AddSingleton<WebhookDeliveryQueue>();
        services.AddSingleton<WebhookDeliveryClient>();
        services.AddSingleton<WebhookDeliveryHandler>();
        services.AddSingleton<WebhookDeliveryFailedHandler>();
        services.AddSingleton<WebhookSink>();
        services.AddSingleton<IEventSink>(sp => sp.GetRequiredService<WebhookSink>());
        services.AddHttpClient(WebhookDeliveryClient.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan) // the client times each attempt
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookDeliveryClient.CreateHandler(sp.GetRequiredService<IOptions<MediaOptions>>().Value));
        return services;
    }
}
