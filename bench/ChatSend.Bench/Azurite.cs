using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatSend.Bench;

/// <summary>
/// A fresh in-memory Azurite on free ports for one measurement, killed when disposed: Azurite slows as a table grows,
/// so no two measurements share one. With its request log on, it counts the requests it answered (<see cref="Requests"/>),
/// whoever made them, and of those the ones signed by a SAS in their address (<see cref="SasRequests"/>): a provider
/// fetching a file through its link, not the app.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    // Azurite's published development account key (the same for every Azurite install); not a secret.
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;
    // A request of the benchmark's own (not counted), whose line in the log comes after those answered before it.
    private const string LogMark = "bench-log-mark";
    private long _requests;
    private long _sasRequests;
    private TaskCompletionSource? _logMarked;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        (BlobPort, QueuePort, TablePort) = (blobPort, queuePort, tablePort);
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    /// <summary>Requests in the emulator's own log since the start or the last <see cref="ResetRequests"/> (with the log on).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Of <see cref="Requests"/>, those with a SAS signature (<c>sig=</c>) in their address.</summary>
    public long SasRequests => Interlocked.Read(ref _sasRequests);

    public void ResetRequests()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _sasRequests, 0);
    }

    /// <summary>Waits until the log holds every request answered so far: asks for a mark and waits for its line.</summary>
    public async Task WaitForLogAsync()
    {
        var marked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _logMarked, marked);
        using var http = new HttpClient();
        using var _ = await http.GetAsync($"http://127.0.0.1:{QueuePort}/{LogMark}");
        await marked.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>The processor time the emulator has used so far.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevAccountKey +
        $";BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1" +
        $";TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public static async Task<Azurite> StartAsync(bool requestLog = false)
    {
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo(Path.Combine(BenchPaths.Root, "node_modules", ".bin", "azurite"))
        {
            ArgumentList =
            {
                "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry",
                "--blobHost", "127.0.0.1", "--blobPort", $"{blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
                "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!requestLog)
            start.ArgumentList.Add("--silent");
        var azurite = new Azurite(Process.Start(start)!, blob, queue, table);
        // One access-log line per request answered: 127.0.0.1 - - [date] "GET /devstoreaccount1/… HTTP/1.1" 200 -
        azurite._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(" HTTP/1.1\" ", StringComparison.Ordinal) != true)
                return;
            if (e.Data.Contains(LogMark, StringComparison.Ordinal))
            {
                Volatile.Read(ref azurite._logMarked)?.TrySetResult();
                return;
            }
            Interlocked.Increment(ref azurite._requests);
            if (e.Data.Contains("sig=", StringComparison.Ordinal))
                Interlocked.Increment(ref azurite._sasRequests);
        };
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
