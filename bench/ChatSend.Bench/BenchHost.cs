using System.Security.Cryptography;
using Azure.Data.Tables;
using ChatSend.Auth;
using ChatSend.Host;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Bench;

/// <summary>The product as the benchmark runs it (the local host, or the library's services for a floor), counted, on one Azurite.</summary>
internal static class BenchHost
{
    private static readonly Recipient To = Recipient.Parse("+12025550123")!;

    /// <param name="settings">Settings beside the benchmark's own (a session's secrets).</param>
    /// <param name="services">More services (another storage pipeline policy).</param>
    public static WebApplication CreateHost(Azurite azurite, StorageCallCounter counter, bool listeners, int providerDelayMs = 0,
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        LocalHost.Create(["--urls", "http://127.0.0.1:0", $"--{LocalHost.QueueListenersSetting}={listeners.ToString().ToLowerInvariant()}"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(Settings(azurite)).AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
                builder.Services.AddSingleton(new StoragePipelinePolicy(counter));
                builder.Services.AddSingleton<IChannelProvider>(new FakeProvider(TimeSpan.FromMilliseconds(providerDelayMs)));
                services?.Invoke(builder.Services);
            });

    /// <summary>The library's services with the same storage clients and pipeline as the host, for the floors.</summary>
    public static ServiceProvider CreateServices(Azurite azurite, StorageCallCounter counter, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(azurite))
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        return new ServiceCollection().AddLogging().AddChatSend(configuration)
            .AddSingleton(new StoragePipelinePolicy(counter))
            .BuildServiceProvider();
    }

    /// <summary>Creates storage and a session sending through <paramref name="provider"/>, its secrets by name (<see cref="ProviderSecrets"/>).</summary>
    public static async Task<Session> CreateSessionAsync(IServiceProvider services, string provider, Dictionary<string, string>? settings = null,
        Dictionary<string, string>? secretNames = null)
    {
        await services.GetRequiredService<StorageClients>().EnsureCreatedAsync();
        var session = new Session("bench-" + Guid.NewGuid().ToString("N")[..12], "+442079460958", provider, settings ?? [], Enabled: true,
            secretNames);
        await services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return session;
    }

    public static Task<string> CreateKeyAsync(IServiceProvider services, Session session) =>
        services.GetRequiredService<ApiKeyStore>().CreateAsync("bench", [session.Id]);

    /// <summary>
    /// The row a text send for <paramref name="session"/> becomes, with <c>"ordered": false</c>: every one goes to the same
    /// chat, and the drain measures the delivery path, not a chat's line of sends one at a time (the order part does).
    /// </summary>
    public static MessageEntity NewMessage(Session session, int i)
    {
        var now = DateTimeOffset.UtcNow;
        var command = new SendCommand(session.Id, To, MessageType.Text, $"bench message {i:00000}", null, null) { Ordered = false };
        return command.ToMessage(MessageId.New(session.Id, now), session, null, now);
    }

    /// <summary>Accepts <paramref name="count"/> text messages as POST /send does (row and marker, then the job), 16 at a time.</summary>
    public static async Task AcceptAsync(IServiceProvider services, Session session, int count)
    {
        var acceptor = services.GetRequiredService<MessageAcceptor>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => await acceptor.AcceptAsync(NewMessage(session, i), null));
    }

    /// <summary>Throws unless every message of <paramref name="session"/> ended <paramref name="status"/>.</summary>
    public static async Task CheckAllAsync(IServiceProvider services, Session session, int count, MessageStatus status)
    {
        var table = services.GetRequiredService<StorageClients>().Table(StorageNames.MessagesTable);
        var statuses = new Dictionary<string, int>();
        await foreach (var row in table.QueryAsync<TableEntity>(MessageRowKeys.Messages.Filter(session.Id), select: ["Status"]))
            statuses[row.GetString("Status")] = statuses.GetValueOrDefault(row.GetString("Status")) + 1;
        if (statuses.GetValueOrDefault(status.ToWire()) != count)
            throw new InvalidOperationException($"expected {count} messages {status.ToWire()}, found {string.Join(", ", statuses.Select(s => $"{s.Value} {s.Key}"))}");
    }

    // The key webhook secrets are stored under: 32 random bytes, new in each process.
    private static readonly string WebhookSecretsKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static Dictionary<string, string?> Settings(Azurite azurite) => new()
    {
        [StorageNames.Connection] = azurite.ConnectionString,
        ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32", // the media server, the webhook receiver
        ["ChatSend:Webhooks:AllowHttp"] = "true",
        [$"{ProviderSecrets.Section}:{WebhookOptions.DefaultSecretKeyName}"] = WebhookSecretsKey,
        // Nothing is late in a run of seconds: the sweeper still runs, but re-queues nothing the listeners are about to take.
        // Within the 15 minutes ahead the sweep index remembers a hint it wrote, as with the default (1 minute): further
        // out, every send would write its session's hint again, a call a host with the default never makes.
        ["ChatSend:Delivery:SweepAfter"] = "00:10:00",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:ChatSend"] = "Warning",
    };
}

/// <summary>
/// A provider that answers every send after a fixed delay (none, or 50 ms as a remote API on a good day), and counts the
/// sends it answered.
/// </summary>
internal sealed class FakeProvider(TimeSpan delay) : IChannelProvider
{
    public const string ProviderName = "bench-fake";
    private int _answered;

    public string Name => ProviderName;

    public ProviderCapabilities Capabilities => SandboxProvider.Supported; // what the sandbox sends: every type, groups, previews

    public async Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, cancellationToken);
        Interlocked.Increment(ref _answered);
        return new ProviderReceipt("fake-" + message.Id.Value);
    }

    /// <summary>Waits until it has answered <paramref name="count"/> sends, or throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForAnswersAsync(int count, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; Volatile.Read(ref _answered) < count; await Task.Delay(10))
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the provider answered {Volatile.Read(ref _answered)} of {count} sends in {timeout}");
    }
}
