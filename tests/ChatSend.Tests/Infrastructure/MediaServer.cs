using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// A media host on 127.0.0.1 (and 127.0.0.2, on a port of its own, to play a second, private machine) that serves files of exact sizes
/// and misbehaves on request: chunked bodies, redirects, slow answers, error statuses. <see cref="RawServer"/>
/// covers what Kestrel refuses to do (close-delimited bodies, lying Content-Length).
/// </summary>
public sealed class MediaServer : FakeHttpServer
{
    private static readonly IPAddress SecondHost = IPAddress.Parse("127.0.0.2");

    public string Url(string pathAndQuery) => $"http://127.0.0.1:{Port}{pathAndQuery}";

    /// <summary>The port 127.0.0.2 listens on.</summary>
    public int SecondHostPort => PortOn(SecondHost);

    public string SecondHostUrl(string pathAndQuery) => $"http://127.0.0.2:{SecondHostPort}{pathAndQuery}";

    /// <summary>The bytes /file serves: the format's signature, then deterministic filler.</summary>
    public static byte[] FileBytes(string format, long size)
    {
        var bytes = new byte[size];
        new Random((int)(size % int.MaxValue)).NextBytes(bytes);
        var head = Signatures[format];
        Array.Copy(head, bytes, Math.Min(head.Length, size));
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static readonly Dictionary<string, byte[]> Signatures = new()
    {
        ["jpeg"] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00],
        ["png"] = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A],
        ["mp4"] = [0x00, 0x00, 0x00, 0x18, .. "ftypisom"u8, 0x00, 0x00, 0x02, 0x00, .. "isomiso2"u8],
        ["ogg"] = [.. "OggS"u8, .. new byte[24], .. "OpusHead"u8],
        ["pdf"] = [.. "%PDF-1.7\n"u8],
        ["webp"] = [.. "RIFF"u8, 0x24, 0x00, 0x00, 0x00, .. "WEBPVP8 "u8],
        ["mp3"] = [.. "ID3"u8, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
        ["text"] = [.. "hello, this is not an image"u8],
    };

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _requests = new();

    /// <summary>How many requests /flaky had for <paramref name="key"/>.</summary>
    public int RequestsFor(string key) => _requests.GetValueOrDefault(key);

    protected override IEnumerable<IPAddress> Addresses => [IPAddress.Loopback, SecondHost];

    protected override void ConfigureKestrel(KestrelServerOptions kestrel) => kestrel.Limits.MinResponseDataRate = null;

    protected override void Map(WebApplication app)
    {
        // /file/{format}/{size}?type=mime&chunked=true&name=x — exactly size bytes
        app.MapGet("/file/{format}/{size:long}", async (HttpContext context, string format, long size, string? type, bool? chunked, string? name) =>
        {
            var bytes = FileBytes(format, size);
            context.Response.ContentType = type ?? "application/octet-stream";
            if (name is not null)
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
            if (chunked != true)
                context.Response.ContentLength = size;
            for (var offset = 0; offset < bytes.Length; offset += 65536)
            {
                await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(65536, bytes.Length - offset)));
                if (chunked == true)
                    await context.Response.Body.FlushAsync();
            }
        });
        // /as/{format}/{size}/{name}: the format's bytes under any file name, with no useful Content-Type
        app.MapGet("/as/{format}/{size:long}/{name}", (string format, long size) => Results.Bytes(FileBytes(format, size), "application/octet-stream"));
        // /flaky/{key}/{failures}/{format}/{size}: 500 to the first requests for the key, then the file (as /file, image/jpeg)
        app.MapGet("/flaky/{key}/{failures:int}/{format}/{size:long}", (string key, int failures, string format, long size, string? type) =>
            _requests.AddOrUpdate(key, 1, (_, n) => n + 1) <= failures
                ? Results.StatusCode(StatusCodes.Status500InternalServerError)
                : Results.Bytes(FileBytes(format, size), type ?? "image/jpeg"));
        app.MapGet("/redirect", (string to) => Results.Redirect(to));
        app.MapGet("/hops/{n:int}", (int n, string to) => Results.Redirect(n <= 1 ? to : $"/hops/{n - 1}?to={Uri.EscapeDataString(to)}"));
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        app.MapGet("/slow", async (int ms, CancellationToken ct) =>
        {
            await Task.Delay(ms, ct); // a slow server, as the URL asks
            return Results.Bytes(FileBytes("jpeg", 100), "image/jpeg");
        });
        app.MapGet("/trickle", async (HttpContext context) =>
        {
            context.Response.ContentType = "image/jpeg";
            await context.Response.Body.WriteAsync(FileBytes("jpeg", 64));
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(new byte[1]);
                await context.Response.Body.FlushAsync();
                await Task.Delay(200); // a byte every 200 ms, until the client gives up
            }
        });
    }

}

/// <summary>
/// A one-response-per-connection HTTP server on 127.0.0.1 written on a bare socket, for answers a real web
/// server will not give: a body delimited by closing the connection, or a Content-Length that lies.
/// </summary>
public sealed class RawServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="declaredLength">the Content-Length to send, or null for none (the body ends when the connection closes)</param>
    public RawServer(byte[] body, long? declaredLength, string contentType = "image/jpeg")
    {
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                await using var stream = client.GetStream();
                var buffer = new byte[8192];
                _ = await stream.ReadAtLeastAsync(buffer, 1, throwOnEndOfStream: false, _stop.Token); // the request; its content does not matter
                var header = $"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nConnection: close\r\n"
                             + (declaredLength is { } n ? $"Content-Length: {n}\r\n" : "") + "\r\n";
                try
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(header), _stop.Token);
                    await stream.WriteAsync(body, _stop.Token);
                }
                catch (IOException)
                {
                    // The client hung up once it had enough: that is the point of most tests here.
                }
            }
        });
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/file";

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop; } catch (Exception) { /* stopped */ }
    }
}
