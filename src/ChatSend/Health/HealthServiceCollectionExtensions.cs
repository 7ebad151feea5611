using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChatSend.Health;

/// <summary>The tags that pick which checks each route runs.</summary>
public static class HealthTags
{
    /// <summary>The process answers: no dependencies, so a storage outage never gets instances restarted.</summary>
    public const string Live = "live";

    /// <summary>This instance can do its work: storage, its tables and queues, and the secrets sessions name.</summary>
    public const string Ready = "ready";
}

public static class HealthServiceCollectionExtensions
{
    /// <summary>The checks behind <c>/health/live</c> and <c>/health/ready</c>, the same in both hosts.</summary>
    public static IServiceCollection AddChatSendHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy(), [HealthTags.Live])
            .AddCheck<StorageHealthCheck>("storage", tags: [HealthTags.Ready])
            .AddCheck<SecretsHealthCheck>("secrets", tags: [HealthTags.Ready]);
        // After the registrations above: every check is bounded by the configured timeout.
        services.AddOptions<HealthCheckServiceOptions>().Configure<IOptions<HealthOptions>>((checks, health) =>
        {
            foreach (var registration in checks.Registrations)
                registration.Timeout = health.Value.Timeout;
        });
        services.AddSingleton<HealthHandler>();
        return services;
    }
}
