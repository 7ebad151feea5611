using ChatSend.Inbound;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Providers.Evolution;

public static class EvolutionServiceCollectionExtensions
{
    /// <summary>The <c>evolution</c> provider, its HTTP client (30 s per call, no retries), its callback and where its customers' files come from.</summary>
    public static IServiceCollection AddEvolutionProvider(this IServiceCollection services)
    {
        services.AddHttpClient(EvolutionProvider.HttpClientName, c => c.Timeout = EvolutionProvider.Timeout);
        services.AddSingleton<IChannelProvider, EvolutionProvider>();
        services.AddSingleton<EvolutionCallback>();
        services.AddSingleton<IInboundMediaSource, EvolutionMediaSource>();
        return services;
    }
}
