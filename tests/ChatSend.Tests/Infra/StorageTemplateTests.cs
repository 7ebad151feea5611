using ChatSend.Media;
using ChatSend.Messages;
using System.Text.Json.Nodes;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Infra;

/// <summary>The storage account, its queues, tables and containers, and the media lifecycle rule in the compiled template.</summary>
public class StorageTemplateTests
{
    private static ArmTemplate Main => ArmTemplate.Main;

    [Fact]
    public void StorageAccountAcceptsOnlyEntraIdOverHttpsWithTls12AndNoAnonymousBlobs()
    {
        var account = Assert.Single(Main.ResourcesOfType("Microsoft.Storage/storageAccounts")).Properties;

        Assert.False((bool)account["allowSharedKeyAccess"]!, "shared key access must be off: every client uses Entra ID");
        Assert.True((bool)account["supportsHttpsTrafficOnly"]!);
        Assert.Equal("TLS1_2", (string?)account["minimumTlsVersion"]);
        Assert.False((bool)account["allowBlobPublicAccess"]!);
    }

    [Fact]
    public void StorageNamesFileMatchesTheAppsStorageNames()
    {
        var file = StorageNamesFile();

        Assert.Equal(StorageNames.Connection, (string?)file["connection"]);
        Assert.Equal(StorageNames.Queues.Order(), Values(file["queues"]).Order());
        Assert.Equal(StorageNames.Tables.Order(), Values(file["tables"]).Order());
        Assert.Equal(StorageNames.Containers.Order(), Values(file["containers"]).Order());
        Assert.Equal(StorageNames.MediaContainer, (string?)file["containers"]?["media"]);

        // Shard k's queues, poison queues included, for k from 1: what the app uses beyond shard 0 with k + 1 shards.
        var shards = file["queueShards"]!.AsObject();
        Assert.Equal(Enumerable.Range(1, StorageNames.MaxQueueShards - 1).Select(k => k.ToString()), shards.Select(s => s.Key));
        foreach (var (k, names) in shards)
            Assert.Equal(StorageNames.QueuesFor(int.Parse(k) + 1).Except(StorageNames.QueuesFor(int.Parse(k))),
                names!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void StorageCreatesTheQueuesOfShardZeroAndOfEveryFurtherShardInUse()
    {
        var parameter = Main.Template["parameters"]!["queueShards"]!;
        Assert.Equal(("int", 1, 1, StorageNames.MaxQueueShards),
            ((string?)parameter["type"], (int)parameter["defaultValue"]!, (int)parameter["minValue"]!, (int)parameter["maxValue"]!));

        // Shards 1 to queueShards - 1, each the list the storage names file holds for it (checked above), after shard 0's.
        var further = (string?)Main.Template["variables"]?["shardQueueNames"] ?? "";
        Assert.Contains("range(1, sub(parameters('queueShards'), 1))", further);
        Assert.Contains("variables('storageNames').queueShards[string(lambdaVariables('k'))]", further);
        var queueNames = Text(StorageDeployment(), "queueNames");
        Assert.StartsWith("[concat(map(items(variables('storageNames').queues)", queueNames);
        Assert.EndsWith("variables('shardQueueNames'))]", queueNames);
    }

    [Fact]
    public void CompiledTemplateTakesItsNamesFromTheStorageNamesFile()
    {
        var compiled = Main.Resolve(JsonValue.Create("[variables('storageNames')]"));

        Assert.True(JsonNode.DeepEquals(StorageNamesFile(), compiled),
            $"{ArmTemplate.CompiledPath} is older than infra/storage-names.json, or main.bicep no longer loads it; run 'bash infra/bicep.sh'.");
        var storage = StorageDeployment();
        Assert.Contains("variables('storageNames').queues", Text(storage, "queueNames"));
        Assert.Contains("variables('storageNames').tables", Text(storage, "tableNames"));
        Assert.Equal(StorageNames.MediaContainer, (string?)Main.Resolve(storage["properties"]!["parameters"]!["mediaContainerName"]!["value"]));
    }

    [Fact]
    public void StorageCreatesQueuesTablesAndTheMediaAndDeploymentContainers()
    {
        var queues = Assert.Single(Main.ResourcesOfType("Microsoft.Storage/storageAccounts/queueServices/queues"));
        var tables = Assert.Single(Main.ResourcesOfType("Microsoft.Storage/storageAccounts/tableServices/tables"));
        Assert.Equal("[length(parameters('queueNames'))]", (string?)queues.Json["copy"]?["count"]);
        Assert.Equal("[length(parameters('tableNames'))]", (string?)tables.Json["copy"]?["count"]);

        var containers = Main.ResourcesOfType("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Contains(containers, c => c.Name.Contains("parameters('mediaContainerName')", StringComparison.Ordinal));
        Assert.Contains(containers, c => c.Name.Contains("parameters('deploymentContainerName')", StringComparison.Ordinal));
        Assert.All(containers, c => Assert.Equal("None", (string?)c.Properties["publicAccess"]));
    }

    [Theory]
    [InlineData("msg_", "[parameters('mediaRetentionDays')]")]
    [InlineData(MediaStager.ScheduledPrefix, "[add(parameters('mediaRetentionDays'), 35)]")] // sendAt is at most 35 days ahead
    public void LifecycleRulesDeleteStagedMediaAfterTheRetentionParameter(string blobPrefix, string afterDays)
    {
        var policy = Assert.Single(Main.ResourcesOfType("Microsoft.Storage/storageAccounts/managementPolicies"));
        var rules = policy.Properties["policy"]!["rules"]!.AsArray().OfType<JsonObject>().ToList();

        var media = Assert.Single(rules, r =>
            r["definition"]?["filters"]?["prefixMatch"]?.AsArray()
                .Any(p => (string?)policy.Template.Resolve(p?.DeepClone()) == StorageNames.MediaContainer + "/" + blobPrefix) == true);
        Assert.True((bool)media["enabled"]!);
        var delete = media["definition"]!["actions"]!["baseBlob"]!["delete"]!;
        var days = delete["daysAfterModificationGreaterThan"] ?? delete["daysAfterCreationGreaterThan"];
        Assert.Equal(afterDays, (string?)policy.Template.Resolve(days?.DeepClone()));
        Assert.StartsWith(blobPrefix, MediaStager.BlobNameFor(MessageId.New("s", DateTimeOffset.UtcNow), scheduled: blobPrefix != "msg_"));

        var parameter = Main.Template["parameters"]!["mediaRetentionDays"]!;
        Assert.Equal("int", (string?)parameter["type"]);
        Assert.True((int)parameter["defaultValue"]! >= 1);
    }

    private static JsonObject StorageNamesFile() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "storage-names.json")))!.AsObject();

    private static IEnumerable<string> Values(JsonNode? names) =>
        names!.AsObject().Select(p => (string)p.Value!);

    private static JsonObject StorageDeployment() =>
        Main.OwnResources().Single(r => r.Type == "Microsoft.Resources/deployments" && r.Name == "storage").Json;

    private static string Text(JsonObject deployment, string parameter) =>
        (string?)deployment["properties"]?["parameters"]?[parameter]?["value"] ?? "";
}
