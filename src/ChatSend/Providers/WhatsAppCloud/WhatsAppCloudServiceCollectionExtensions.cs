using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatSend.Providers.WhatsAppCloud;

public static class WhatsAppCloudServiceCollectionExtensions
{
    /// <summary>
    /// The <c>whatsapp-cloud</c> provider, its HTTP client (no automatic retries: delivery owns them), its callbacks and the
    /// source of its customers' files.
    /// </summary>
    public static IServiceCollection AddWhatsAppCloud(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<WhatsAppCloudOptions>().Bind(configuration.GetSection(WhatsAppCloudOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(WhatsAppCloudProvider.HttpClientName)
            .ConfigureHttpClient((sp, client) => client.Timeout = sp.GetRequiredService<IOptions<WhatsAppCloudOptions>>().Value.Timeout);
        services.AddSingleton<IChannelProvider, WhatsAppCloudProvider>();
        services.AddSingleton(WhatsAppCloudSessions.PhoneNumberIds); // the sessions table's index of phone number ids
        services.AddSingleton<WhatsAppCloudSessions>();
        services.AddSingleton<WhatsAppCloudTemplates>();
        services.AddSingleton<WhatsAppCloudCallback>();
        services.AddSingleton<Inbound.IInboundMediaSource, WhatsAppCloudMediaSource>();
        return services;
    }
}
