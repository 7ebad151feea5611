using System.Net;
using System.Net.Sockets;

namespace ChatSend.Media;

/// <summary>
/// Server-side request forgery guard: media and webhook URLs may only reach public addresses. Loopback, private,
/// link-local (with the cloud metadata address 169.254.169.254), shared, documentation, multicast, reserved and
/// unspecified ranges are refused, for IPv4 and IPv6. An IPv6 address that carries an IPv4 address (IPv4-mapped,
/// IPv4-compatible, SIIT IPv4-translated, NAT64 well-known prefix, 6to4, and both addresses of Teredo) is refused when
/// any IPv4 address it carries is. The local-use NAT64 prefix is refused whole: it is not globally reachable, and where
/// its IPv4 sits depends on a prefix length only the local network knows. <see cref="MediaHttp"/> applies the guard to the
/// very address it connects to.
/// </summary>
public sealed class AddressGuard
{
    private static readonly IPNetwork[] Refused =
    [
        // IPv4
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.88.99.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("240.0.0.0/4"),
        // IPv6
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("64:ff9b:1::/48"), // local-use IPv4/IPv6 translation (RFC 8215)
        IPNetwork.Parse("100::/64"),
        IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    // IPv6 forms that carry an IPv4 address, and where (RFC 4291 §2.5.5, RFC 6052 §2.2, RFC 2765 §2.1, RFC 3056, RFC 4380 §4).
    private static readonly IPNetwork Compatible = IPNetwork.Parse("::/96"); // ::a.b.c.d, deprecated
    private static readonly IPNetwork Translated = IPNetwork.Parse("::ffff:0:0:0/96"); // SIIT: ::ffff:0:a.b.c.d
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96"); // 64:ff9b::a.b.c.d
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16"); // 2002:aabb:ccdd::/48
    private static readonly IPNetwork Teredo = IPNetwork.Parse("2001::/32"); // 2001:0:<server>:<flags>:<port>:<client>

    private readonly IPNetwork[] _allowed;
    private readonly bool _allowAll;

    public AddressGuard(string? allowedPrivateNetworks = null)
    {
        if (!TryParseNetworks(allowedPrivateNetworks, out var allowed))
            throw new ArgumentException("Not '*' or a list of CIDR ranges.", nameof(allowedPrivateNetworks));
        _allowAll = allowed is null;
        _allowed = allowed ?? [];
    }

    /// <summary>True when the address is public, or private but in an allowed range.</summary>
    public bool IsAllowed(IPAddress address)
    {
        if (_allowAll || _allowed.Any(n => n.Contains(address)))
            return true;
        return Judged(address).All(a => !Refused.Any(n => n.Contains(a)) || _allowed.Any(n => n.Contains(a)));
    }

    /// <summary>Parses '*' (null: everything allowed) or a comma-separated CIDR list (empty: nothing).</summary>
    public static bool TryParseNetworks(string? value, out IPNetwork[]? networks)
    {
        networks = [];
        var trimmed = value?.Trim() ?? "";
        if (trimmed == "*")
        {
            networks = null;
            return true;
        }
        var list = new List<IPNetwork>();
        foreach (var part in trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPNetwork.TryParse(part, out var network))
                return false;
            list.Add(network);
        }
        networks = [.. list];
        return true;
    }

    /// <summary>The address itself and every IPv4 address it carries; each must be allowed.</summary>
    private static IEnumerable<IPAddress> Judged(IPAddress address)
    {
        yield return address;
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            yield break;
        var bytes = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6 || Translated.Contains(address) || Nat64.Contains(address)
            || (Compatible.Contains(address) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback)))
            yield return new IPAddress(bytes[12..16]);
        else if (SixToFour.Contains(address))
            yield return new IPAddress(bytes[2..6]);
        else if (Teredo.Contains(address))
        {
            yield return new IPAddress(bytes[4..8]); // the Teredo server
            yield return new IPAddress(bytes[12..16].Select(b => (byte)~b).ToArray()); // the client's address, each bit inverted
        }
    }
}
