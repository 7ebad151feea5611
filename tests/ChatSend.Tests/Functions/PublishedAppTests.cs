using System.Text.Json;
using ChatSend.Host.Queues;
using ChatSend.Http;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatSend.Tests.Functions;

/// <summary>
/// What the Functions host reads from the published app matches the one declaration of routes and queues that the
/// local host serves: the function names, triggers, routes, methods, queues and connection, the worker, and host.json.
/// </summary>
public sealed class PublishedAppTests(PublishedApp app) : IClassFixture<PublishedApp>
{
    private JsonElement Function(string name) =>
        Assert.Single(app.Metadata.EnumerateArray(), f => f.GetProperty("name").GetString() == name);

    private static JsonElement Trigger(JsonElement function) =>
        Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString()!.EndsWith("Trigger"));

    [Fact]
    public void TheAppHasExactlyTheDeclaredFunctionsAndTheSweeperTimer() =>
        Assert.Equal(
            ApiEndpoints.All.Select(e => e.Name).Concat(QueueEndpoints.All.Select(q => q.Name)).Append(nameof(ChatSend.Functions.Sweep)).Order(),
            app.Metadata.EnumerateArray().Select(f => f.GetProperty("name").GetString()!).Order());

    [Fact]
    public void TheSweeperRunsEveryMinute()
    {
        var trigger = Trigger(Function(nameof(ChatSend.Functions.Sweep)));
        Assert.Equal(("timerTrigger", "0 * * * * *"), (trigger.GetProperty("type").GetString(), trigger.GetProperty("schedule").GetString()));
    }

    [Fact]
    public void EachHttpFunctionHasTheDeclaredRouteAndMethodAndLeavesAuthenticationToTheApp()
    {
        foreach (var endpoint in ApiEndpoints.All)
        {
            var function = Function(endpoint.Name);
            var trigger = Trigger(function);
            Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
            Assert.Equal(endpoint.Route, trigger.GetProperty("route").GetString());
            Assert.Equal([endpoint.Method.ToLowerInvariant()], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()));
            Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
            Assert.Equal($"ChatSend.Functions.{endpoint.Name}.RunAsync", function.GetProperty("entryPoint").GetString());
        }
    }

    [Fact]
    public void EachQueueFunctionListensOnTheDeclaredQueueThroughTheChatSendConnection()
    {
        foreach (var endpoint in QueueEndpoints.All)
        {
            var function = Function(endpoint.Name);
            var trigger = Trigger(function);
            Assert.Equal(("queueTrigger", endpoint.Queue, StorageNames.Connection),
                (trigger.GetProperty("type").GetString(), trigger.GetProperty("queueName").GetString(), trigger.GetProperty("connection").GetString()));
            // Shard k's function is method Run{k}Async of the class named after shard 0's.
            var shardZero = QueueEndpoints.All.Single(e => e.Shard == 0 && e.Handler == endpoint.Handler).Name;
            Assert.Equal($"ChatSend.Functions.{shardZero}.{(endpoint.Shard == 0 ? "RunAsync" : $"Run{endpoint.Shard}Async")}", function.GetProperty("entryPoint").GetString());
        }
    }

    [Fact]
    public void EveryShardOfEveryWorkQueueIsDrainedByOneFunction()
    {
        var queues = app.Metadata.EnumerateArray().Select(Trigger).Where(t => t.GetProperty("type").GetString() == "queueTrigger")
            .Select(t => t.GetProperty("queueName").GetString()).ToList();

        foreach (var queue in StorageNames.ShardedQueues)
            for (var shard = 0; shard < StorageNames.MaxQueueShards; shard++)
                Assert.Single(queues, q => q == StorageNames.Shard(queue, shard));
        Assert.Equal(6 * StorageNames.MaxQueueShards, queues.Count); // and the poison queues of deliveries and webhook deliveries
    }

    [Fact]
    public void TheWorkerIsDotnetIsolatedRunningTheAppsAssembly()
    {
        var description = app.WorkerConfig.GetProperty("description");
        Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
        Assert.Equal("ChatSend.Functions.dll", description.GetProperty("defaultWorkerPath").GetString());
        Assert.All(app.Metadata.EnumerateArray(), f => Assert.Equal("dotnet-isolated", f.GetProperty("language").GetString()));
        Assert.True(File.Exists(Path.Combine(PublishedApp.Folder, "ChatSend.Functions.dll")));
    }

    [Fact]
    public void HostJsonServesRoutesWithoutAPrefixAndGivesTheLocalHostItsQueueSettings()
    {
        var extensions = app.HostJson.GetProperty("extensions");
        Assert.Equal("", extensions.GetProperty("http").GetProperty("routePrefix").GetString());

        // The local host binds the same file: what it would run with equals what the Functions host reads.
        var services = new ServiceCollection().AddQueueListeners(new ConfigurationBuilder().Build()).BuildServiceProvider();
        var local = services.GetRequiredService<IOptions<QueueListenerOptions>>().Value;
        var queues = extensions.GetProperty("queues");
        Assert.Equal(
            (queues.GetProperty("batchSize").GetInt32(), queues.GetProperty("newBatchThreshold").GetInt32(), queues.GetProperty("maxDequeueCount").GetInt32(),
                TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!), TimeSpan.Parse(queues.GetProperty("maxPollingInterval").GetString()!),
                queues.GetProperty("messageEncoding").GetString()),
            (local.BatchSize, local.NewBatchThreshold!.Value, local.MaxDequeueCount, local.VisibilityTimeout, local.MaxPollingInterval, local.MessageEncoding));
        Assert.Equal((16, 5, "base64"), (local.BatchSize, local.MaxDequeueCount, local.MessageEncoding));
    }

    [Fact]
    public void HostJsonLogsChatSendAtInformationAndTheSdkAndFrameworkAtWarningWithSamplingOn()
    {
        var logging = app.HostJson.GetProperty("logging");
        var levels = logging.GetProperty("logLevel");
        Assert.Equal(("Warning", "Information", "Warning", "Warning"),
            (levels.GetProperty("default").GetString(), levels.GetProperty("Function").GetString(),
                levels.GetProperty("Azure.Core").GetString(), levels.GetProperty("Microsoft.AspNetCore").GetString()));
        Assert.True(logging.GetProperty("applicationInsights").GetProperty("samplingSettings").GetProperty("isEnabled").GetBoolean());
    }

    [Fact]
    public void HostJsonSendsTheHostsTelemetryThroughOpenTelemetry()
    {
        // Not also the classic Application Insights pipeline: the worker exports its own spans (AddChatSendTelemetry).
        Assert.Equal("OpenTelemetry", app.HostJson.GetProperty("telemetryMode").GetString());
    }
}
