using System.Net;
using System.Net.Sockets;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// An address on 127.0.0.1 where nothing answers: a socket bound to port 0 that never listens. A connection to it is
/// refused at once, and while it is held no server can bind that port. A port that was free a moment ago (found by
/// binding and releasing it, or a listener closed again) could be bound by any other test's server before the request
/// is made, which would then answer it; a held port that listens without accepting would take the connection (the
/// kernel completes it into the backlog) and leave the request to time out instead of being refused.
/// </summary>
public sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public void Dispose() => _socket.Dispose();
}
