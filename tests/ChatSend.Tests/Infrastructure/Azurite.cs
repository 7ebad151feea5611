using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Tests.Infrastructure;

public enum AzuriteService
{
    Blob,
    Queue,
    Table,
}

/// <summary>
/// Real Azurite from the repo's node_modules, one process per service on free ports, in memory. Each test class
/// that takes it as a class fixture gets its own instance, so queues are never shared between tests that count jobs.
/// A service can be stopped and started again to test outages; it comes back with its tables, queues or container.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    // Azurite's published development account key (the same for every Azurite install); not a secret.
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Dictionary<AzuriteService, int> _ports = [];
    private readonly Dictionary<AzuriteService, Process> _processes = [];
    private readonly string _workDir = Directory.CreateTempSubdirectory("azurite-").FullName;

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevAccountKey +
        $";BlobEndpoint=http://127.0.0.1:{_ports[AzuriteService.Blob]}/devstoreaccount1" +
        $";QueueEndpoint=http://127.0.0.1:{_ports[AzuriteService.Queue]}/devstoreaccount1" +
        $";TableEndpoint=http://127.0.0.1:{_ports[AzuriteService.Table]}/devstoreaccount1;";

    /// <summary>Clients over this instance, configured exactly as the app configures them.</summary>
    public StorageClients Clients => new(Options.Create(new StorageOptions { ConnectionString = ConnectionString }));

    /// <summary>The shards of <paramref name="queue"/> that the tests' hosts and services use (<see cref="TestQueueShards"/>).</summary>
    public ShardedJobs Jobs(string queue) => new(Clients, queue, TestQueueShards.Count);

    // Azurite's processes take their ports on the command line, so these are found free and released first (FreePort),
    // and a port is only free until someone binds it: another process (or another test class's server, though those
    // bind port 0 and let the OS choose) may take it before Azurite does. Azurite then exits, or the first request
    // reaches that server and fails: start again on new ports when that happens.
    public async Task InitializeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            foreach (var service in Enum.GetValues<AzuriteService>())
                _ports[service] = FreePort();
            try
            {
                foreach (var service in Enum.GetValues<AzuriteService>())
                    await StartAsync(service);
                return;
            }
            catch (Exception) when (attempt < 3)
            {
                foreach (var service in _processes.Keys.ToList())
                    await StopAsync(service);
            }
        }
    }

    public async Task StartAsync(AzuriteService service)
    {
        var name = service.ToString().ToLowerInvariant();
        var bin = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite-" + name);
        if (!File.Exists(bin))
            throw new InvalidOperationException($"Azurite is not installed ({bin}); run 'npm ci' at the repository root.");
        var start = new ProcessStartInfo(bin)
        {
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                $"--{name}Host", "127.0.0.1", $"--{name}Port", _ports[service].ToString(),
                "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
            },
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[service] = process;
        await WaitForPortAsync(_ports[service], process);
        await CreateResourcesAsync(service);
    }

    // In memory, a restarted service comes back empty: give it back what the app expects to exist, the queues of every
    // shard among it (as the local host's init creates them). One at a time: Azurite's in-memory table store answered
    // 400 "invalid characters" to seven tables created at once.
    private async Task CreateResourcesAsync(AzuriteService service)
    {
        var clients = Clients;
        IEnumerable<Func<Task>> work = service switch
        {
            AzuriteService.Table => StorageNames.Tables.Select(Func<Task> (t) => () => clients.Tables.CreateTableIfNotExistsAsync(t)),
            AzuriteService.Queue => StorageNames.QueuesFor(StorageNames.MaxQueueShards).Select(Func<Task> (q) => () => clients.Queue(q).CreateIfNotExistsAsync()),
            _ => StorageNames.Containers.Select(Func<Task> (c) => () => clients.Blobs.GetBlobContainerClient(c).CreateIfNotExistsAsync()),
        };
        foreach (var create in work)
            await create();
    }

    /// <summary>Creates a queue a test deleted; the service refuses the name for a while after a delete.</summary>
    public Task RecreateQueueAsync(string name) =>
        Eventually.MatchesAsync(async () =>
        {
            try
            {
                await Clients.Queue(name).CreateIfNotExistsAsync();
                return true;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 409)
            {
                return false;
            }
        }, created => created);

    public async Task StopAsync(AzuriteService service)
    {
        if (_processes.Remove(service, out var process))
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _processes.Keys.ToList())
            await StopAsync(service);
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// A port that was free a moment ago. Racy by nature (anyone may bind it before the caller does), so only for what
    /// needs a number before it starts, like Azurite's processes, with a retry when the race is lost. A server in this
    /// process binds port 0 instead (<see cref="FakeHttpServer"/>); an address where nothing answers is a <see cref="ClosedPort"/>.
    /// </summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before listening on {port}.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50); // until Azurite listens
            }
        }
        throw new TimeoutException($"Azurite did not listen on port {port} within 30 s.");
    }
}

public static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ChatSend.sln")))
                return dir.FullName;
        throw new InvalidOperationException("The repository root (with ChatSend.sln) was not found above " + AppContext.BaseDirectory);
    }
}
