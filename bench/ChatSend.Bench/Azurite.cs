using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatSend.Bench;

/// <summary>
/// A fresh in-memory Azurite on free ports for one measurement, killed when disposed: Azurite slows as a table grows,
/// so no two measurements share one.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    // Azurite's published development account key (the same for every Azurite install); not a secret.
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        (BlobPort, QueuePort, TablePort) = (blobPort, queuePort, tablePort);
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevAccountKey +
        $";BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1" +
        $";TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public static async Task<Azurite> StartAsync()
    {
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo(Path.Combine(BenchPaths.Root, "node_modules", ".bin", "azurite"))
        {
            ArgumentList =
            {
                "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
                "--blobHost", "127.0.0.1", "--blobPort", $"{blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
                "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var azurite = new Azurite(Process.Start(start)!, blob, queue, table);
        azurite._process.BeginOutputReadLine();
        azurite._process.BeginErrorReadLine();
        foreach (var port in new[] { table, queue, blob })
            await WaitForPortAsync(port);
        return azurite;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process.HasExited)
            return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
            }
        }
        throw new TimeoutException($"Azurite did not listen on 127.0.0.1:{port} within 30 s");
    }
}

public static class BenchPaths
{
    /// <summary>The repository root (where ChatSend.sln is), for node_modules/.bin/azurite.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ChatSend.sln")))
                return dir.FullName;
        throw new InvalidOperationException("ChatSend.sln not found above " + AppContext.BaseDirectory);
    }
}
