using ChatSend.Inbound;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Providers.Waha;

public static class WahaServiceCollectionExtensions
{
    /// <summary>
    /// The <c>waha</c> provider, its HTTP client (30 s per call, no retries: delivery owns them), its callback, and the
    /// source of its customers' files (its own client: 30 s to the answer's headers, and no redirects, so the API key
    /// never follows one to another server).
    /// </summary>
    public static IServiceCollection AddWahaProvider(this IServiceCollection services)
    {
        services.AddHttpClient(WahaProvider.HttpClientName, c => c.Timeout = WahaProvider.Timeout);
        services.AddHttpClient(WahaMediaSource.HttpClientName, c => c.Timeout = WahaProvider.Timeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton<IChannelProvider, WahaProvider>();
        services.AddSingleton<WahaCallback>();
        services.AddSingleton<IInboundMediaSource, WahaMediaSource>();
        return services;
    }
}
