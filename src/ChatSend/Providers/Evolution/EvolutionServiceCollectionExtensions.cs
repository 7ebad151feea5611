using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Providers.Evolution;

public static class EvolutionServiceCollectionExtensions
{
    /// <summary>The <c>evolution</c> provider, its HTTP client (30 s per call, no retries) and its callback.</summary>
    public static IServiceCollection AddEvolutionProvider(this IServiceCollection services)
    {
        services.AddHttpClient(EvolutionProvider.HttpClientName, c => c.Timeout = EvolutionProvider.Timeout);
        services.AddSingleton<IChannelProvider, EvolutionProvider>();
        services.AddSingleton<EvolutionCallback>();
        return services;
    }
}
