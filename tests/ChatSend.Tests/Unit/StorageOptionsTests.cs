using ChatSend.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatSend.Tests.Unit;

public class StorageOptionsTests
{
    private static StorageClients ClientsFrom(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddLogging().AddChatSend(configuration).BuildServiceProvider();
        return services.GetRequiredService<StorageClients>();
    }

    [Fact]
    public void AConnectionStringConnectsAllThreeServices()
    {
        var clients = ClientsFrom(new() { ["ChatSendStorage"] = "UseDevelopmentStorage=true" });
        Assert.Equal((10000, 10001, 10002), (clients.Blobs.Uri.Port, clients.Queues.Uri.Port, clients.Tables.Uri.Port));
    }

    [Fact]
    public void ServiceUrisWinOverAConnectionString()
    {
        var clients = ClientsFrom(new()
        {
            ["ChatSendStorage"] = "UseDevelopmentStorage=true",
            ["ChatSendStorage:blobServiceUri"] = "https://acct.blob.core.windows.net/",
            ["ChatSendStorage:queueServiceUri"] = "https://acct.queue.core.windows.net/",
            ["ChatSendStorage:tableServiceUri"] = "https://acct.table.core.windows.net/",
            ["ChatSendStorage:credential"] = "managedidentity",
            ["ChatSendStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        });
        Assert.Equal(("acct.blob.core.windows.net", "acct.queue.core.windows.net", "acct.table.core.windows.net"),
            (clients.Blobs.Uri.Host, clients.Queues.Uri.Host, clients.Tables.Uri.Host));
        Assert.False(clients.Blobs.CanGenerateAccountSasUri); // identity only: no key to sign with
    }

    [Fact]
    public void MissingStorageSettingsFailAtStartWithTheSettingsToSet()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ClientsFrom(new() { ["ChatSendStorage:blobServiceUri"] = "https://a.blob.core.windows.net/" }));
        Assert.Contains("ChatSendStorage", error.Message);
    }
}
