using ChatSend.Client;
using ChatSend.Client.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ChatSendClient"/>.</summary>
public static class ChatSendClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ChatSendClient"/> (and <see cref="IChatSendClient"/>) as a typed client of
    /// <c>IHttpClientFactory</c>, with options validated on start and retries of sends, reads and cancels.
    /// </summary>
    /// <returns>The client's builder, to add handlers or configure its primary handler.</returns>
    public static IHttpClientBuilder AddChatSendClient(this IServiceCollection services, Action<ChatSendClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ChatSendClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatSendClientOptions>, ChatSendClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<RetryHandler>();
        services.TryAddTransient<IChatSendClient>(sp => sp.GetRequiredService<ChatSendClient>());
        return services.AddHttpClient<ChatSendClient>((sp, http) =>
            {
                http.BaseAddress = WithTrailingSlash(sp.GetRequiredService<IOptions<ChatSendClientOptions>>().Value.BaseAddress!);
                // Each attempt has its own timeout (AttemptTimeout); one for the whole call would cut the retries short.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddHttpMessageHandler<RetryHandler>()
            // Said here whatever the app sets as the factory's default: the API key must never reach a log.
            .RedactLoggedHeaders(["Authorization"]);
    }

    // Relative paths resolve under the base address's path only when it ends with a slash.
    private static Uri WithTrailingSlash(Uri uri) => uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
