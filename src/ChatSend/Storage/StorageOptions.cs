namespace ChatSend.Storage;

/// <summary>
/// The storage connection, read from <c>ChatSendStorage</c>: either a connection string
/// (<c>ChatSendStorage=UseDevelopmentStorage=true</c>) or identity-based service URIs
/// (<c>ChatSendStorage__blobServiceUri</c>, <c>__queueServiceUri</c>, <c>__tableServiceUri</c>,
/// <c>__credential</c>, <c>__clientId</c>), the same shape the Functions host reads for its bindings.
/// </summary>
public sealed class StorageOptions
{
    public string? ConnectionString { get; set; }
    public Uri? BlobServiceUri { get; set; }
    public Uri? QueueServiceUri { get; set; }
    public Uri? TableServiceUri { get; set; }

    /// <summary><c>managedidentity</c> in Azure; anything else uses the developer's Azure sign-in.</summary>
    public string? Credential { get; set; }

    /// <summary>Client id of the user-assigned managed identity.</summary>
    public string? ClientId { get; set; }

    internal bool HasServiceUris => BlobServiceUri is not null && QueueServiceUri is not null && TableServiceUri is not null;

    /// <summary>The service URIs win when both are set, so an operator can point a local tool at Azure without clearing its connection string.</summary>
    internal bool UsesConnectionString => !HasServiceUris && !string.IsNullOrWhiteSpace(ConnectionString);

    internal bool IsComplete => HasServiceUris || UsesConnectionString;
}
