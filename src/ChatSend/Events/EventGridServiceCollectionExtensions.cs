using Azure.Core;
using Azure.Messaging.EventGrid;
using ChatSend.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatSend.Events;

/// <summary>The identity the publisher client signs in with (tests register their own after <c>AddChatSend</c>).</summary>
public sealed record EventGridCredential(TokenCredential Credential);

/// <summary>A change to the publisher client's options, applied after ChatSend's own (tests use one to give it their transport).</summary>
public sealed record EventGridClientSetup(Action<EventGridPublisherClientOptions> Configure);

public static class EventGridServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="EventsOptions"/>, and the Event Grid sink when <c>ChatSend:Events:EventGridTopicEndpoint</c> is set:
    /// without it there is no sink, so the outbox records no events for Event Grid.
    /// </summary>
    public static IServiceCollection AddEventGrid(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(EventsOptions.Section);
        services.AddOptions<EventsOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        if (string.IsNullOrWhiteSpace(section[nameof(EventsOptions.EventGridTopicEndpoint)]))
            return services;

        services.AddSingleton(sp => new EventGridCredential(StorageClients.CreateCredential(sp.GetRequiredService<IOptions<StorageOptions>>().Value)));
        services.AddSingleton(sp => CreateClient(
            sp.GetRequiredService<IOptions<EventsOptions>>().Value,
            sp.GetRequiredService<EventGridCredential>().Credential,
            sp.GetServices<EventGridClientSetup>()));
        services.AddSingleton<IEventSink, EventGridSink>();
        return services;
    }

    private static EventGridPublisherClient CreateClient(EventsOptions events, TokenCredential credential, IEnumerable<EventGridClientSetup> setups)
    {
        // The outbox retries what fails, so a caller hears of a failure in seconds rather than after a minute of retries.
        var options = new EventGridPublisherClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        foreach (var setup in setups)
            setup.Configure(options);
        return new EventGridPublisherClient(events.TopicEndpoint!, credential, options);
    }
}
