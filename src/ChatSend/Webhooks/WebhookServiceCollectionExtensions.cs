using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>The customer webhook registry: its options, table, log, secret encryption and routes' handler.</summary>
    public static IServiceCollection AddWebhookRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookSecretCipher>();
        services.AddSingleton<WebhookChatCursors>();
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<IWebhookEndpoints>(sp => sp.GetRequiredService<WebhookStore>());
        services.AddSingleton<WebhookLog>();
        services.AddSingleton<IWebhookLog>(sp => sp.GetRequiredService<WebhookLog>());
        services.AddSingleton<WebhookUrlCheck>();
        services.AddSingleton<WebhookRequestReader>();
        services.AddSingleton<WebhooksApi>();
        return services;
    }
}
