using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// The local host as a process of its own, as <c>scripts/e2e-external.sh</c> starts it (the build's
/// <c>ChatSend.Host.dll</c>, its settings as environment variables), over a test's Azurite, on a port it takes itself
/// (port 0, read back from its "Now listening on" line). <see cref="KillAsync"/> ends it with SIGKILL, as <c>kill -9</c>
/// does: no shutdown, nothing flushed, the queue messages it was handling left under their lease and its claims under
/// theirs. Everything it writes is kept (<see cref="Output"/>).
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process) => _process = process;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Every line the host wrote, standard output and error together.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>
    /// Starts the host over <paramref name="azurite"/> with the tests' usual queue settings (as <see cref="TestApp"/> has
    /// them) and <paramref name="settings"/> (configuration keys, <c>ChatSend:Delivery:ClaimLease</c>), and waits until it listens.
    /// </summary>
    public static async Task<HostProcess> StartAsync(Azurite azurite, IDictionary<string, string?> settings)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Release|Debug>/net10.0
        var dll = Path.Combine(RepoPaths.Root, "src", "ChatSend.Host", "bin", configuration, "net10.0", "ChatSend.Host.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"The local host is not built ({dll}); building the test project builds it.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[dll, "--urls", "http://127.0.0.1:0"])
            start.ArgumentList.Add(arg);
        var environment = new Dictionary<string, string?>
        {
            ["ChatSendStorage"] = azurite.ConnectionString,
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information", // its "Now listening on" line
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00",
            [TestKeys.WebhookSecretsKeySetting] = TestKeys.WebhookSecretsKey,
            [TestQueueShards.Setting.Key] = TestQueueShards.Setting.Value,
        };
        foreach (var (name, value) in settings)
            environment[name] = value;
        foreach (var (name, value) in environment)
            start.Environment[name.Replace(":", "__")] = value;

        var host = new HostProcess(Process.Start(start)!);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(object _, DataReceivedEventArgs e)
        {
            if (e.Data is not { } line)
                return;
            host._output.Enqueue(line);
            if (ListeningLine().Match(line) is { Success: true } match)
                listening.TrySetResult(match.Groups[1].Value);
        }
        host._process.OutputDataReceived += Read;
        host._process.ErrorDataReceived += Read;
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        var exited = host._process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != listening.Task)
        {
            await host.DisposeAsync();
            throw new InvalidOperationException("The local host did not start listening:\n" + string.Join('\n', host._output));
        }
        host.Http = new HttpClient { BaseAddress = new Uri(await listening.Task) };
        return host;
    }

    /// <summary>kill -9: the process ends at once, in the middle of whatever it was doing.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
            return;
        _process.Kill(entireProcessTree: true); // SIGKILL on Linux and macOS
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        await KillAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
