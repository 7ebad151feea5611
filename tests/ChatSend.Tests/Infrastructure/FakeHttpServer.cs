using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// What the tests' fake HTTP servers (provider APIs, the media host, webhook receivers, the Event Grid topic) share:
/// Kestrel, quiet, on 127.0.0.1 (and any other loopback address a server asks for), each address on port 0. The
/// operating system picks a free port as it binds, so no other server can take the port between its choice and the
/// bind, and the server reports the port it got once started (<see cref="Port"/>, <see cref="PortOn"/>). Started by
/// xunit as a fixture (<see cref="IAsyncLifetime"/>) or by a test by hand.
/// </summary>
public abstract class FakeHttpServer : IAsyncLifetime
{
    private WebApplication? _app;
    private readonly Dictionary<IPAddress, Uri> _bound = [];

    /// <summary>The port 127.0.0.1 got.</summary>
    public int Port => PortOn(IPAddress.Loopback);

    /// <summary>The scheme, 127.0.0.1 and its port, without a trailing slash: <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl => _bound[IPAddress.Loopback].GetLeftPart(UriPartial.Authority);

    /// <summary>The port <paramref name="address"/> got (each address is bound on its own port 0, so they differ).</summary>
    public int PortOn(IPAddress address) => _bound[address].Port;

    /// <summary>The loopback addresses to listen on; 127.0.0.1 must be one.</summary>
    protected virtual IEnumerable<IPAddress> Addresses => [IPAddress.Loopback];

    /// <summary>For each address's endpoint, such as HTTPS.</summary>
    protected virtual void ConfigureEndpoint(ListenOptions listen)
    {
    }

    /// <summary>For the server's limits.</summary>
    protected virtual void ConfigureKestrel(KestrelServerOptions kestrel)
    {
    }

    protected abstract void Map(WebApplication app);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            foreach (var address in Addresses)
                kestrel.Listen(address, 0, ConfigureEndpoint);
            ConfigureKestrel(kestrel);
        });
        _app = builder.Build();
        Map(_app);
        await _app.StartAsync();
        // Kestrel lists each endpoint with the port it was given, e.g. http://127.0.0.1:41234.
        foreach (var address in _app.Urls)
        {
            var uri = new Uri(address);
            _bound[IPAddress.Parse(uri.Host)] = uri;
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await DisposeResourcesAsync();
    }

    /// <summary>What the server holds besides Kestrel (its HTTP clients, a certificate), after Kestrel has stopped.</summary>
    protected virtual ValueTask DisposeResourcesAsync() => ValueTask.CompletedTask;
}
