using ChatSend.Auth;
using ChatSend.Delivery;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Receipts;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatSend;

public static class ChatSendServiceCollectionExtensions
{
    /// <summary>Registers everything ChatSend needs; both hosts (Functions and local) call this once.</summary>
    public static IServiceCollection AddChatSend(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .Configure(o =>
            {
                var section = configuration.GetSection(StorageNames.Connection);
                section.Bind(o);
                o.ConnectionString = section.Value ?? o.ConnectionString;
            })
            .Validate(o => o.IsComplete,
                $"Set {StorageNames.Connection} to a storage connection string, or set {StorageNames.Connection}__blobServiceUri, __queueServiceUri and __tableServiceUri.")
            .ValidateOnStart();
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SandboxOptions>().Bind(configuration.GetSection(SandboxOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MediaOptions>().Bind(configuration.GetSection(MediaOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StorageClients>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<MessageStore>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<MediaStager>();
        services.AddSingleton<MediaLinks>();
        services.AddHttpClient(MediaHttp.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan) // MediaStager times the whole fetch
            .ConfigurePrimaryHttpMessageHandler(sp => MediaHttp.CreateHandler(sp.GetRequiredService<IOptions<MediaOptions>>().Value));
        services.AddHttpClient(SandboxProvider.HttpClientName);
        services.AddSingleton<ReceiptQueue>();

        services.AddSingleton<IChannelProvider, SandboxProvider>();
        services.AddSingleton<ChannelProviders>();

        services.AddSingleton<SendHandler>();
        services.AddSingleton<GetMessageHandler>();
        services.AddSingleton<DeliveryProcessor>();
        services.AddSingleton<DeliveryFailedHandler>();
        services.AddSingleton<ReceiptHandler>();
        return services;
    }

    /// <summary>The HTTP routes, for hosts that serve them with ASP.NET Core routing (the local host).</summary>
    public static IEndpointRouteBuilder MapChatSend(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/send", (HttpRequest request, SendHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct));
        endpoints.MapGet("/messages/{id}", (HttpRequest request, string id, GetMessageHandler handler, CancellationToken ct) =>
            handler.HandleAsync(request, id, ct));
        return endpoints;
    }
}
