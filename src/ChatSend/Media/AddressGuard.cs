using System.Net;
using System.Net.Sockets;

namespace ChatSend.Media;

/// <summary>
/// Server-side request forgery guard: media URLs may only reach public addresses. Loopback, private, link-local
/// (with the cloud metadata address 169.254.169.254), shared, documentation, multicast, reserved and unspecified
/// ranges are refused, for IPv4 and IPv6, and IPv4 inside IPv6 (mapped, compatible, NAT64, 6to4) is judged as
/// the IPv4 it carries. <see cref="MediaHttpHandler"/> applies it to the very address it connects to.
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
        IPNetwork.Parse("100::/64"),
        IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Compatible = IPNetwork.Parse("::/96");

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
        if (_allowAll)
            return true;
        var judged = Embedded(address);
        return !Refused.Any(n => n.Contains(judged)) || _allowed.Any(n => n.Contains(judged) || n.Contains(address));
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

    private static IPAddress Embedded(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address;
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        if (Nat64.Contains(address) || (Compatible.Contains(address) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback)))
            return new IPAddress(bytes[12..16]);
        if (SixToFour.Contains(address))
            return new IPAddress(bytes[2..6]);
        return address;
    }
}
