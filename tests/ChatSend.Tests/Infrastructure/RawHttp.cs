using System.Net.Sockets;
using System.Text;

namespace ChatSend.Tests.Infrastructure;

/// <summary>An HTTP/1.1 answer as read off the socket.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? ContentType => Headers.GetValueOrDefault("content-type")?.Split(';')[0].Trim();

    public override string ToString() => $"{Status} {ContentType} {Body}";
}

/// <summary>
/// Sends bytes that no HTTP client would send (broken framing, a short body, a body that stalls) over a plain socket
/// and reads the first answer. Requests keep the connection alive, so that the server reads what the answer left
/// unread instead of closing on it, which would reset the connection and could discard the answer.
/// </summary>
public static class RawHttp
{
    /// <summary>A <c>POST /send</c> with the given header lines (each ending in CRLF) and body bytes, framed as the headers say.</summary>
    public static byte[] Post(Uri server, string? key, string headers, byte[] body) =>
        [.. Encoding.ASCII.GetBytes($"POST /send HTTP/1.1\r\nHost: {server.Authority}\r\n" +
                                    (key is null ? "" : $"Authorization: Bearer {key}\r\n") + headers + "\r\n"), .. body];

    public static byte[] Post(Uri server, string? key, string headers, string body) => Post(server, key, headers, Encoding.UTF8.GetBytes(body));

    /// <summary>The body in one chunk, with the given chunk size line and the CRLF after the data.</summary>
    public static string Chunked(string body, string? size = null, string suffix = "\r\n") =>
        $"{size ?? Encoding.UTF8.GetByteCount(body).ToString("x")}\r\n{body}{suffix}0\r\n\r\n";

    /// <summary>Sends the bytes and reads the first answer; null when the server closed the connection without one.</summary>
    /// <param name="halfClose">shut the sending side after the bytes, so the server sees the body end early</param>
    public static async Task<RawResponse?> SendAsync(Uri server, byte[] bytes, bool halfClose = false, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Host, server.Port, cancel.Token);
        try
        {
            await socket.SendAsync(bytes, cancel.Token);
            if (halfClose)
                socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The server may answer and close before it has read everything, as it does for headers that are too large.
        }
        var received = await ReceiveAnswerAsync(socket, cancel.Token);
        return received.Length == 0 ? null : Parse(received);
    }

    private static async Task<byte[]> ReceiveAnswerAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while (!IsComplete(received.GetBuffer().AsSpan(0, (int)received.Length))
                   && (read = await socket.ReceiveAsync(buffer, cancellationToken)) > 0)
                received.Write(buffer, 0, read);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // A server that closes with request bytes left unread resets the connection, which may discard its answer.
        }
        return received.ToArray();
    }

    /// <summary>Whether the bytes hold a whole answer: its head and the body its headers frame (else it ends with the connection).</summary>
    private static bool IsComplete(ReadOnlySpan<byte> raw)
    {
        var end = raw.IndexOf("\r\n\r\n"u8);
        if (end < 0)
            return false;
        var head = Encoding.ASCII.GetString(raw[..end]).ToLowerInvariant();
        var body = raw[(end + 4)..];
        if (head.Contains("\r\ntransfer-encoding: chunked"))
            return body.EndsWith("0\r\n\r\n"u8);
        var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("content-length:"));
        return length is not null && body.Length >= int.Parse(length["content-length:".Length..]);
    }

    public static RawResponse Parse(byte[] raw)
    {
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
            throw new InvalidOperationException($"no complete HTTP answer: '{Encoding.UTF8.GetString(raw)}'");
        var lines = Encoding.ASCII.GetString(raw, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2))
            .GroupBy(p => p[0].Trim().ToLowerInvariant())
            .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(p => p[1].Trim())));
        var body = raw[(end + 4)..];
        if (headers.GetValueOrDefault("transfer-encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            body = Unchunk(body);
        else if (headers.TryGetValue("content-length", out var length))
            body = body[..Math.Min(body.Length, int.Parse(length))];
        return new RawResponse(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Unchunk(byte[] body)
    {
        var result = new MemoryStream();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = body.AsSpan(at).IndexOf("\r\n"u8) is var found and >= 0 ? at + found : body.Length;
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body, at, lineEnd - at).Split(';')[0], 16);
            if (size == 0 || lineEnd + 2 > body.Length)
                break;
            result.Write(body, lineEnd + 2, Math.Min(size, body.Length - lineEnd - 2));
            at = lineEnd + 2 + size + 2;
        }
        return result.ToArray();
    }
}
