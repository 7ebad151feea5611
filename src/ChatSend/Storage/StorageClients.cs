using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;
using Microsoft.Extensions.Options;

namespace ChatSend.Storage;

/// <summary>A policy added to every storage client's pipeline, on each try (tests use one to inject faults).</summary>
public sealed record StoragePipelinePolicy(HttpPipelinePolicy Policy);

/// <summary>The three storage service clients, created once from <see cref="StorageOptions"/>.</summary>
public sealed class StorageClients
{
    private readonly IReadOnlyList<StoragePipelinePolicy> _policies;

    public StorageClients(IOptions<StorageOptions> options) : this(options, [])
    {
    }

    public StorageClients(IOptions<StorageOptions> options, IEnumerable<StoragePipelinePolicy> policies)
    {
        _policies = policies.ToList();
        var o = options.Value;
        if (o.UsesConnectionString)
        {
            Tables = new TableServiceClient(o.ConnectionString, Configure(new TableClientOptions()));
            Queues = new QueueServiceClient(o.ConnectionString, QueueOptions());
            Blobs = new BlobServiceClient(o.ConnectionString, Configure(new BlobClientOptions()));
        }
        else
        {
            var credential = CreateCredential(o);
            Tables = new TableServiceClient(o.TableServiceUri, credential, Configure(new TableClientOptions()));
            Queues = new QueueServiceClient(o.QueueServiceUri, credential, QueueOptions());
            Blobs = new BlobServiceClient(o.BlobServiceUri, credential, Configure(new BlobClientOptions()));
        }
    }

    public TableServiceClient Tables { get; }
    public QueueServiceClient Queues { get; }
    public BlobServiceClient Blobs { get; }

    public TableClient Table(string name) => Tables.GetTableClient(name);
    public QueueClient Queue(string name) => Queues.GetQueueClient(name);

    /// <summary>
    /// Creates every table, queue and container ChatSend uses, the queues of every shard ChatSend can use among them (an
    /// idle queue that nobody polls costs nothing, and raising <c>ChatSend:Queues:Shards</c> then needs no new queue); safe to run again.
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var table in StorageNames.Tables)
            await Tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        foreach (var queue in StorageNames.QueuesFor(StorageNames.MaxQueueShards))
            await Queue(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        foreach (var container in StorageNames.Containers)
            await Blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    // Jobs are Base64 text, as the Functions queue trigger expects. A message that is not (another producer's)
    // goes to the poison queue as it came, as the Functions host does, instead of stalling every batch it is in.
    private QueueClientOptions QueueOptions()
    {
        var options = Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        options.MessageDecodingFailed += async args =>
        {
            if (args.ReceivedMessage is not { } message || args.Queue.Name.EndsWith(StorageNames.PoisonSuffix, StringComparison.Ordinal))
                return;
            var poison = args.Queue.GetParentQueueServiceClient().GetQueueClient(args.Queue.Name + StorageNames.PoisonSuffix);
            await poison.SendMessageAsync(message.Body, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: args.CancellationToken);
            await args.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken);
        };
        return options;
    }

    /// <summary>
    /// The app's identity, from the storage connection's settings (<c>ChatSendStorage__credential</c>, <c>__clientId</c>):
    /// the user-assigned managed identity in Azure, the developer's Azure sign-in elsewhere. Every Azure client uses it.
    /// </summary>
    public static TokenCredential CreateCredential(StorageOptions o) =>
        string.Equals(o.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(o.ClientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(o.ClientId))
            : new DefaultAzureCredential();

    // A request handler waits on these: fail over to a clear 503 in seconds rather than retrying for a minute.
    private T Configure<T>(T options) where T : ClientOptions
    {
        foreach (var policy in _policies)
            options.AddPolicy(policy.Policy, HttpPipelinePosition.PerRetry);
        options.Retry.MaxRetries = 2;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }
}
