using ChatSend.Auth;
using ChatSend.Delivery;
using ChatSend.Events;
using ChatSend.Health;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Callbacks;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Providers.Waha;
using ChatSend.Providers.Evolution;
using ChatSend.Queues;
using ChatSend.Receipts;
using ChatSend.Send;
using ChatSend.Send.Idempotency;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Http;
using ChatSend.Telemetry;
using ChatSend.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatSend;

public static class ChatSendServiceCollectionExtensions
{
    /// <summary>
    /// The log levels both hosts ship with, as the lowest-priority configuration so that any setting
    /// (<c>Logging__LogLevel__…</c>) still wins: ChatSend's own logs at Information, the storage SDK's request lines
    /// and the framework's chatter at Warning.
    /// </summary>
    public static IConfigurationBuilder AddChatSendLogDefaults(this IConfigurationBuilder configuration)
    {
        configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:ChatSend"] = "Information",
                ["Logging:LogLevel:Azure"] = "Warning",
                ["Logging:LogLevel:Microsoft"] = "Warning",
                ["Logging:LogLevel:System.Net.Http"] = "Warning",
            },
        });
        return configuration;
    }

    /// <summary>Registers everything ChatSend needs; both hosts (Functions and local) call this once.</summary>
    public static IServiceCollection AddChatSend(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRequestLogRedaction();
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
        services.AddOptions<PacingOptions>().Bind(configuration.GetSection(PacingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SweeperOptions>().Bind(configuration.GetSection(SweeperOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CacheOptions>().Bind(configuration.GetSection(CacheOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MediaOptions>().Bind(configuration.GetSection(MediaOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<NumberCheckOptions>().Bind(configuration.GetSection(NumberCheckOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueuesOptions>().Bind(configuration.GetSection(QueuesOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(configuration); // the hosts register it; a bare collection (tests, tools) gets this one
        services.AddSingleton<StorageClients>();
        services.AddSingleton<QueueShards>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<MessageStore>();
        services.AddSingleton<ChatLines>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<MediaDownloader>();
        services.AddSingleton<MediaStager>();
        services.AddSingleton<MediaLinks>();
        services.AddHttpClient(MediaHttp.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan) // MediaStager and the inbound fetcher time the whole fetch
            .ConfigurePrimaryHttpMessageHandler(sp => MediaHttp.CreateHandler(sp.GetRequiredService<IOptions<MediaOptions>>().Value));
        services.AddHttpClient(SandboxProvider.HttpClientName);
        services.AddSingleton<ReceiptQueue>();

        services.AddSingleton<IChannelProvider, SandboxProvider>();
        services.AddSingleton<Inbound.IInboundMediaSource, SandboxMediaSource>();
        services.AddSingleton<SandboxInboundHandler>();
        services.AddSingleton<SandboxEcho>();
        services.AddWhatsAppCloud(configuration);
        services.AddWahaProvider();
        services.AddEvolutionProvider();
        services.AddSingleton<CallbackPipeline>();
        services.AddSingleton<Inbound.InboundRecorder>();
        services.AddSingleton<Inbound.InboundMediaFetcher>();
        services.AddSingleton<ChannelProviders>();
        services.AddSingleton<ProviderSecrets>();
        services.AddSingleton<ProviderMessageIndex>();
        services.AddSingleton<INumberCheck, NumberCheck>();

        services.AddProblemDetails();
        services.AddSingleton<ApiGate>();
        services.AddSingleton<ApiReferenceFiles>();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddSingleton<SessionAccess>();
        services.AddSingleton<MessageAcceptor>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<IdempotentSend>();
        services.AddSingleton<Replies>();
        services.AddSingleton<Templates.TemplateCheck>();
        services.AddSingleton<Templates.ListTemplatesHandler>();
        services.AddSingleton<SendHandler>();
        services.AddSingleton<GetMessageHandler>();
        services.AddSingleton<GetMessageMediaHandler>();
        services.AddSingleton<CancelMessageHandler>();
        services.AddSingleton<MarkReadHandler>();
        services.AddSingleton<ListMessagesHandler>();
        services.AddSingleton<GetSessionHandler>();
        services.AddSingleton<DeliveryRecorder>();
        services.AddSingleton<SessionPacer>();
        services.AddSingleton<DeliveryProcessor>();
        services.AddSingleton<DeliveryFailedHandler>();
        services.AddSingleton<ReceiptHandler>();
        services.AddSingleton<SweepIndex>();
        services.AddSingleton<OrphanMedia>();
        services.AddSingleton<Sweeper>();
        services.AddSingleton<Chats.ChatWindows>();
        services.AddSingleton<Chats.WindowCheck>();
        services.AddSingleton<Chats.GetChatHandler>();
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<ChatOrder>();
        services.AddSingleton<EventDispatcher>();
        services.AddWebhookRegistry(configuration);
        services.AddWebhookDelivery(configuration);
        services.AddEventGrid(configuration);
        services.AddChatSendHealth(configuration);
        return services;
    }
}
