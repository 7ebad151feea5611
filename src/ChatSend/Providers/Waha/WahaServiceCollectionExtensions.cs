using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Providers.Waha;

public static class WahaServiceCollectionExtensions
{
    /// <summary>The <c>waha</c> provider, its HTTP client (30 s per call, no retries: delivery owns them) and its callback.</summary>
    public static IServiceCollection AddWahaProvider(this IServiceCollection services)
    {
        services.AddHttpClient(WahaProvider.HttpClientName, c => c.Timeout = WahaProvider.Timeout);
        services.AddSingleton<IChannelProvider, WahaProvider>();
        services.AddSingleton<WahaCallback>();
        return services;
    }
}
