using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatSend.Chaos;

/// <summary>Azurite on disk and the local host, as separate processes the run can kill and start again.</summary>
public sealed class Processes(string root, string work)
{
    // Azurite's published development account key (the same for every Azurite install); not a secret.
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly (int Blob, int Queue, int Table) _ports = (FreePort(), FreePort(), FreePort());
    private readonly string _webhookKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private Process? _azurite;
    private Process? _host;
    private int _hostStarts;

    public int HttpPort { get; } = FreePort();

    public string Connection =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevAccountKey +
        $";BlobEndpoint=http://127.0.0.1:{_ports.Blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_ports.Queue}/devstoreaccount1" +
        $";TableEndpoint=http://127.0.0.1:{_ports.Table}/devstoreaccount1;";

    public IEnumerable<string> HostLogs => Directory.EnumerateFiles(work, "host-*.log");

    public async Task StartAzuriteAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(root, "node_modules", ".bin", "azurite"))
        {
            ArgumentList =
            {
                "--location", Path.Combine(work, "azurite"), "--skipApiVersionCheck", "--disableTelemetry", "--silent",
                "--blobHost", "127.0.0.1", "--blobPort", $"{_ports.Blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{_ports.Queue}",
                "--tableHost", "127.0.0.1", "--tablePort", $"{_ports.Table}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _azurite = Process.Start(start)!;
        _azurite.BeginOutputReadLine();
        _azurite.BeginErrorReadLine();
        await WaitForPortAsync(_ports.Table);
        await WaitForPortAsync(_ports.Queue);
        await WaitForPortAsync(_ports.Blob);
    }

    /// <summary>Stops Azurite as an operator would (SIGTERM), so it writes its data to disk and comes back with it.</summary>
    public async Task StopAzuriteAsync()
    {
        if (_azurite is null || _azurite.HasExited)
            return;
        using (var term = Process.Start("kill", ["-TERM", _azurite.Id.ToString()]))
            await term.WaitForExitAsync();
        await _azurite.WaitForExitAsync();
    }

    /// <summary>Runs an operator command of the local host (init, session, key create) and returns what it printed.</summary>
    public async Task<string> AdminAsync(params string[] args)
    {
        var start = HostStart(args);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? (await output).Trim()
            : throw new InvalidOperationException($"host {string.Join(' ', args)}: {await output}{await errors}");
    }

    public async Task StartHostAsync()
    {
        var start = HostStart(["--urls", $"http://127.0.0.1:{HttpPort}"]);
        _host = Process.Start(start)!;
        var log = new StreamWriter(Path.Combine(work, $"host-{++_hostStarts}.log")) { AutoFlush = true };
        _host.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _host.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _host.BeginOutputReadLine();
        _host.BeginErrorReadLine();
        await WaitForPortAsync(HttpPort);
    }

    /// <summary>kill -9: no shutdown, no flushing, jobs left under their lease.</summary>
    public async Task KillHostAsync() => await KillAsync(_host);

    public async Task StopAllAsync()
    {
        await KillAsync(_host);
        await KillAsync(_azurite);
    }

    private ProcessStartInfo HostStart(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(root, "src", "ChatSend.Host", "bin", "Release", "net10.0", "ChatSend.Host.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["ChatSendStorage"] = Connection;
        start.Environment["ChatSend__Media__AllowedPrivateNetworks"] = "127.0.0.1/32"; // the media server and the webhook receiver
        start.Environment["ChatSend__Webhooks__AllowHttp"] = "true";
        start.Environment["ChatSend__Secrets__webhook_secrets_key"] = _webhookKey;
        start.Environment["ChatSend__Delivery__SweepAfter"] = "00:00:10";
        start.Environment["ChatSend__Delivery__ClaimLease"] = "00:00:15";
        start.Environment["ChatSend__Sweeper__Interval"] = "00:00:02";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        return start;
    }

    private static async Task KillAsync(Process? process)
    {
        if (process is null || process.HasExited)
            return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(100))
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
        throw new TimeoutException($"Nothing listened on port {port} within 60 s.");
    }
}
