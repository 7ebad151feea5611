using System.Diagnostics;
using System.Text.Json;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Functions;

/// <summary>
/// The Functions app as <c>dotnet publish</c> leaves it for deployment, in <c>.artifacts/functions</c>. The test command
/// publishes it first (<c>.ci/publish-functions.sh</c>); run alone, this fixture publishes it if it is not there.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
    public static string Folder { get; } = Path.Combine(RepoPaths.Root, ".artifacts", "functions");

    public JsonElement Metadata { get; private set; }
    public JsonElement WorkerConfig { get; private set; }
    public JsonElement HostJson { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(Folder, "functions.metadata")))
            await PublishAsync();
        Metadata = await ReadAsync("functions.metadata");
        WorkerConfig = await ReadAsync("worker.config.json");
        HostJson = await ReadAsync("host.json");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<JsonElement> ReadAsync(string file) =>
        Json.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, file)));

    private static async Task PublishAsync()
    {
        using var publish = Process.Start(new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, ".ci", "publish-functions.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await publish.StandardOutput.ReadToEndAsync() + await publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        if (publish.ExitCode != 0)
            throw new InvalidOperationException("Publishing the Functions app failed:\n" + output);
    }
}
