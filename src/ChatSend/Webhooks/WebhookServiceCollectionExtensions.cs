using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>The customer webhook registry: its options, table, log and secret encryption.</summary>
    public static IServiceCollection AddWebhookRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookSecretCipher>();
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<IWebhookEndpoints>(sp => sp.GetRequiredService<WebhookStore>());
        services.AddSingleton<WebhookLog>();
        services.AddSingleton<IWebhookLog>(sp => sp.GetRequiredService<WebhookLog>());
        return services;
    }
}
