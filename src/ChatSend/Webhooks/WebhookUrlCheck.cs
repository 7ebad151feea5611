using System.Net;
using System.Net.Sockets;
using ChatSend.Http;
using ChatSend.Media;
using Microsoft.Extensions.Options;

namespace ChatSend.Webhooks;

/// <summary>
/// Whether a URL may be registered as a webhook: absolute <c>https</c> (<c>http</c> only with
/// <see cref="WebhookOptions.AllowHttp"/>), no user information, at most 2048 characters, and a host that resolves only to
/// addresses the media <see cref="AddressGuard"/> allows (<c>ChatSend:Media:AllowedPrivateNetworks</c> opens ranges).
/// Delivery must check the address again when it connects: DNS can change after registration.
/// </summary>
public sealed class WebhookUrlCheck(IOptions<WebhookOptions> options, IOptions<MediaOptions> media)
{
    public const int MaxLength = 2048;
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);
    private readonly AddressGuard _guard = new(media.Value.AllowedPrivateNetworks);

    /// <summary>The URL, or null with the reason added to <paramref name="errors"/> under <paramref name="field"/>.</summary>
    public async Task<Uri?> CheckAsync(string url, string field, FieldErrors errors, CancellationToken cancellationToken)
    {
        if (Shape(url) is { } wrong)
        {
            errors.Add(field, wrong);
            return null;
        }
        var uri = new Uri(url, UriKind.Absolute);
        var addresses = await ResolveAsync(uri.IdnHost, cancellationToken);
        if (addresses.Length == 0)
            errors.Add(field, $"the host '{uri.Host}' could not be resolved");
        else if (!addresses.All(_guard.IsAllowed))
            errors.Add(field, $"the host '{uri.Host}' resolves to a private, loopback, link-local or reserved address; a webhook must be public");
        else
            return uri;
        return null;
    }

    private string? Shape(string url)
    {
        var schemes = options.Value.AllowHttp ? "an http or https" : "an https";
        if (url.Length > MaxLength)
            return $"must be at most {MaxLength} characters";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
            return $"must be {schemes} URL";
        if (!(uri.Scheme == Uri.UriSchemeHttps || (options.Value.AllowHttp && uri.Scheme == Uri.UriSchemeHttp)))
            return $"must be {schemes} URL, not {uri.Scheme}";
        if (uri.UserInfo.Length > 0)
            return "must not carry user information (user:password@)";
        if (uri.IdnHost.Length == 0)
            return "must name a host";
        return null;
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
            return [literal];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            return await Dns.GetHostAddressesAsync(host, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return [];
        }
    }
}
