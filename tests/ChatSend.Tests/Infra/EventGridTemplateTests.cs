using System.Text.Json.Nodes;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Infra;

/// <summary>
/// The Event Grid topic behind main.bicep's <c>eventGridTopic</c>: on, a CloudEvents topic with identity-only auth, the
/// app's identity as EventGrid Data Sender on it and the app setting pointing at it; off (the default), none of these.
/// </summary>
public class EventGridTemplateTests
{
    private const string EventGridDataSender = "d5a91429-5739-47e2-a06b-3470a27159e7";
    private const string Switch = "[parameters('eventGridTopic')]";
    private const string EndpointSetting = "ChatSend__Events__EventGridTopicEndpoint";

    [Fact]
    public void TheTopicTakesCloudEventsAndOnlyMicrosoftEntraIdAndExistsOnlyWhenSwitchedOn()
    {
        var topic = Assert.Single(ArmTemplate.Main.ResourcesOfType("Microsoft.EventGrid/topics"));

        Assert.Equal("CloudEventSchemaV1_0", (string?)topic.Properties["inputSchema"]);
        Assert.True((bool)topic.Properties["disableLocalAuth"]!);
        AssertDeployedOnlyWhenSwitchedOn(topic);
    }

    [Fact]
    public void TheAppIdentityIsEventGridDataSenderOnTheTopicOnly()
    {
        var assignment = Assert.Single(ArmTemplate.Main.ResourcesOfType("Microsoft.Authorization/roleAssignments"),
            r => ((string?)r.Properties["roleDefinitionId"] ?? "").Contains("eventGridDataSender", StringComparison.Ordinal));
        var template = assignment.Template;

        Assert.Equal(EventGridDataSender, (string?)template.Template["variables"]?["eventGridDataSender"]);
        Assert.Equal("[resourceId('Microsoft.EventGrid/topics', parameters('name'))]", (string?)assignment.Json["scope"]);
        Assert.Equal("[parameters('name')]", (string?)Assert.Single(template.OwnResources(), r => r.Type == "Microsoft.EventGrid/topics").Json["name"]);
        Assert.Equal("[reference('identity').outputs.principalId.value]", template.Resolve(assignment.Properties["principalId"]?.DeepClone())?.ToString());
        Assert.Equal("ServicePrincipal", (string?)assignment.Properties["principalType"]);
        AssertDeployedOnlyWhenSwitchedOn(assignment);
    }

    [Fact]
    public void TheAppSettingIsTheTopicEndpointWhenSwitchedOnAndEmptyWhenOff()
    {
        var functionApp = Module("functionApp");
        var appSettings = Module("appSettings");

        Assert.Equal("[parameters('eventGridTopicEndpoint')]", (string?)appSettings.Deployment!["properties"]!["parameters"]!["settings"]!["value"]![EndpointSetting]);
        Assert.Equal($"[if({Switch[1..^1]}, createObject('value', reference('eventGrid').outputs.endpoint.value), createObject('value', ''))]",
            (string?)functionApp.Deployment!["properties"]!["parameters"]!["eventGridTopicEndpoint"]);
        Assert.Equal("[reference('topic').endpoint]", (string?)Module("eventGrid").Template["outputs"]?["endpoint"]?["value"]);
        Assert.Equal($"[if({Switch[1..^1]}, reference('eventGrid').outputs.endpoint.value, '')]",
            (string?)ArmTemplate.Main.Template["outputs"]?["AZURE_EVENT_GRID_TOPIC_ENDPOINT"]?["value"]);
    }

    [Fact]
    public void TheSwitchIsOffUnlessChatSendEventGridIsTrue()
    {
        Assert.False((bool)ArmTemplate.Main.Template["parameters"]!["eventGridTopic"]!["defaultValue"]!);
        Assert.False((bool)BuiltParameters("main.parameters.json")["eventGridTopic"]!["value"]!);
        Assert.True((bool)BuiltParameters("main.parameters.eventgrid.json")["eventGridTopic"]!["value"]!); // CHATSEND_EVENT_GRID=True
    }

    /// <summary>The resource is in the eventGrid module, which main.bicep deploys only when the switch is on.</summary>
    private static void AssertDeployedOnlyWhenSwitchedOn(ArmResource resource)
    {
        Assert.Null(resource.Json["condition"]);
        Assert.Equal("eventGrid", (string?)resource.Template.Deployment?["name"]);
        Assert.Equal(Switch, (string?)resource.Template.Deployment?["condition"]);
        Assert.Null(resource.Template.Parent?.Parent);
    }

    private static ArmTemplate Module(string name) =>
        Assert.Single(ArmTemplate.Main.AllTemplates(), t => (string?)t.Deployment?["name"] == name);

    private static JsonObject BuiltParameters(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, ".artifacts/infra", file)))!["parameters"]!.AsObject();
}
