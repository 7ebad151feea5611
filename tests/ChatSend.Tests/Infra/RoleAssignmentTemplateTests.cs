using System.Text.RegularExpressions;

namespace ChatSend.Tests.Infra;

/// <summary>Role assignments in the compiled template: the narrowest built-in role per service, named guid(scope, principal, role).</summary>
public partial class RoleAssignmentTemplateTests
{
    // Built-in role definition ids.
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    private const string EventGridDataSender = "d5a91429-5739-47e2-a06b-3470a27159e7";

    private const string StorageScope = "Microsoft.Storage/storageAccounts";
    private const string InsightsScope = "Microsoft.Insights/components";
    private const string VaultScope = "Microsoft.KeyVault/vaults";
    private const string TopicScope = "Microsoft.EventGrid/topics";

    [Theory]
    [InlineData(StorageBlobDataOwner, StorageScope)]        // host storage, deployment package, media, user delegation key
    [InlineData(StorageQueueDataContributor, StorageScope)]
    [InlineData(StorageTableDataContributor, StorageScope)]
    [InlineData(MonitoringMetricsPublisher, InsightsScope)]  // telemetry with Entra ID auth
    [InlineData(KeyVaultSecretsUser, VaultScope)]
    [InlineData(EventGridDataSender, TopicScope)]           // publish message events (only with eventGridTopic on)
    public void AppIdentityHasTheRoleItNeeds(string role, string scope)
    {
        var assignment = Assert.Single(Assignments(), a => a.Role == role && a.PrincipalType == "ServicePrincipal");

        Assert.Contains(scope, assignment.Scope);
        Assert.Null(assignment.Condition);
    }

    [Theory]
    [InlineData(StorageBlobDataContributor, StorageScope)]
    [InlineData(StorageQueueDataContributor, StorageScope)]
    [InlineData(StorageTableDataContributor, StorageScope)]
    [InlineData(KeyVaultSecretsOfficer, VaultScope)]
    public void OperatorGetsDataRolesOnlyWhenAPrincipalIsGiven(string role, string scope)
    {
        var assignment = Assert.Single(Assignments(), a => a.Role == role && a.PrincipalType != "ServicePrincipal");

        Assert.Contains(scope, assignment.Scope);
        Assert.NotNull(assignment.Condition);
    }

    [Fact]
    public void EveryAssignmentIsNamedFromItsScopePrincipalAndRole()
    {
        var assignments = Assignments();

        Assert.NotEmpty(assignments);
        Assert.All(assignments, a =>
        {
            Assert.StartsWith("[guid(", a.Name);
            Assert.NotEmpty(a.Scope);
            Assert.Contains(a.Role, a.Name);
            Assert.Contains(a.PrincipalId, a.Name);
            Assert.Contains(a.Scope[1..^1], a.Name);
        });
    }

    [Fact]
    public void NoAssignmentGrantsABroadRole()
    {
        string[] broad =
        [
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
            "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
            "17d1049b-9a84-46fb-8f53-869881c3d3ab", // Storage Account Contributor (can list keys)
            "81a9662b-bebf-436f-a333-f67b29880f12", // Storage Account Key Operator Service Role
            "00482a5a-887f-4fb3-b363-3b7fe8e74483", // Key Vault Administrator
        ];

        Assert.All(Assignments(), a => Assert.DoesNotContain(a.Role, broad));
    }

    private static List<Assignment> Assignments() =>
        ArmTemplate.Main.ResourcesOfType("Microsoft.Authorization/roleAssignments").Select(r =>
        {
            var roleDefinitionId = r.Template.InlineStringVariables((string?)r.Properties["roleDefinitionId"] ?? "");
            var role = RoleId().Match(roleDefinitionId);
            Assert.True(role.Success, $"No role definition id in {roleDefinitionId}");
            return new Assignment(
                Name: r.Template.InlineStringVariables(r.Name),
                Role: role.Value,
                Scope: (string?)r.Json["scope"] ?? "",
                PrincipalId: ((string?)r.Properties["principalId"] ?? "").Trim('[', ']'),
                PrincipalType: (string?)r.Properties["principalType"] ?? "",
                Condition: (string?)r.Json["condition"]);
        }).ToList();

    private sealed record Assignment(string Name, string Role, string Scope, string PrincipalId, string PrincipalType, string? Condition);

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex RoleId();
}
