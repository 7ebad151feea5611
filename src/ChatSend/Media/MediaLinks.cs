using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Media;

/// <summary>
/// Short-lived read-only SAS URLs for staged media, made for each delivery attempt. With a managed identity they
/// are user-delegation SAS (no account key exists); with a connection string (Azurite) they are signed with the key.
/// </summary>
public sealed class MediaLinks(StorageClients storage, IOptions<MediaOptions> options, TimeProvider time)
{
    private readonly BlobContainerClient _container = storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);
    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _key;

    public async Task<Uri> ReadUrlAsync(string blobName, CancellationToken cancellationToken = default)
    {
        var blob = _container.GetBlobClient(blobName);
        var now = time.GetUtcNow();
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, now + options.Value.SasValidity)
        {
            BlobContainerName = _container.Name,
            BlobName = blobName,
            Resource = "b",
            StartsOn = now.AddMinutes(-5), // clock skew between us and storage
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri)
            return blob.GenerateSasUri(sas);

        var key = await DelegationKeyAsync(sas.ExpiresOn, cancellationToken);
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key, storage.Blobs.AccountName) }.ToUri();
    }

    // One key serves many links: ask for a day at a time, and a new one when a link would outlive it.
    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset neededUntil, CancellationToken cancellationToken)
    {
        await _keyLock.WaitAsync(cancellationToken);
        try
        {
            if (_key is null || _key.SignedExpiresOn < neededUntil)
            {
                var now = time.GetUtcNow();
                var expires = neededUntil.AddDays(1) < now.AddDays(7) ? neededUntil.AddDays(1) : now.AddDays(7); // the service's maximum
                _key = (await storage.Blobs.GetUserDelegationKeyAsync(now.AddMinutes(-5), expires, cancellationToken)).Value;
            }
            return _key;
        }
        finally
        {
            _keyLock.Release();
        }
    }
}
