using System.Net;
using System.Net.Sockets;

namespace ChatSend.Media;

/// <summary>The HTTP client media is fetched with: no proxy, no automatic redirects, and the address guard on every connection.</summary>
public static class MediaHttp
{
    public const string ClientName = "ChatSend.Media";

    public static SocketsHttpHandler CreateHandler(MediaOptions options) => new()
    {
        AllowAutoRedirect = false, // each hop is checked by MediaDownloader
        AutomaticDecompression = DecompressionMethods.None, // the limit counts the bytes that arrive, so no zip bombs
        UseProxy = false, // a proxy would connect on our behalf, past the guard
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = new Connector(new AddressGuard(options.AllowedPrivateNetworks)).ConnectAsync,
    };

    /// <summary>
    /// Resolves the host once, keeps only the addresses the guard allows and connects to one of those, so the
    /// address checked is the address used (a second DNS answer cannot rebind it).
    /// </summary>
    private sealed class Connector(AddressGuard guard)
    {
        public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cancellationToken);
            var allowed = addresses.Where(guard.IsAllowed).ToArray();
            if (allowed.Length == 0)
                throw new AddressRefusedException(host);

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }
}

/// <summary>The host resolves only to addresses the guard refuses.</summary>
public sealed class AddressRefusedException(string host)
    : Exception($"'{host}' resolves to a private, loopback, link-local or reserved address");
