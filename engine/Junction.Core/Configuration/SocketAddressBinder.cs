using System.Net;
using System.Net.Sockets;
using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds an Envoy <c>config.core.v3.Address</c> (<c>address: { socket_address: ... }</c>).</summary>
internal static class SocketAddressBinder
{
    /// <summary>
    /// Binds <c>parent.&lt;key&gt;</c>, which must be present. When <paramref name="requireIp"/> is set
    /// the host must be an IP literal; <paramref name="hostNameHint"/> is appended to that error to say
    /// how to use a host name instead. Returns null (with errors recorded) when the address is unusable.
    /// </summary>
    public static SocketAddressConfig? Bind(ConfigMap parent, string key, bool requireIp, string? hostNameHint = null)
    {
        var address = parent.Map(key, required: true);
        if (address is null) return null;

        address.Unsupported("pipe", "only socket_address is supported");
        address.Unsupported("envoy_internal_address", "only socket_address is supported");
        var socket = address.Map("socket_address", required: !address.Has("pipe") && !address.Has("envoy_internal_address"));
        address.RejectUnknownFields();
        return socket is null ? null : BindSocketAddress(socket, requireIp, hostNameHint);
    }

    private static SocketAddressConfig? BindSocketAddress(ConfigMap socket, bool requireIp, string? hostNameHint)
    {
        var host = socket.String("address", required: true);
        var port = socket.Int32("port_value", -1, 0, 65535);
        // Envoy would default a missing port to 0; for a listener that silently means "any port" and for
        // an upstream it can never connect, so Junction insists on it.
        if (socket.Node("port_value") is null or ConfigScalar { IsNull: true }) socket.Error("missing required field 'port_value'");

        var protocol = socket.Choice("protocol", ProtocolType.Tcp, ("TCP", ProtocolType.Tcp), ("UDP", ProtocolType.Udp));
        if (protocol == ProtocolType.Udp) socket.Node("protocol")!.Error("UDP is not supported");

        // ipv4_compat: an IPv6 listener (normally "::") that also accepts IPv4 connections.
        var ipv4Compat = socket.Bool("ipv4_compat", false);
        socket.Unsupported("named_port", "use port_value");
        socket.Unsupported("resolver_name");
        socket.RejectUnknownFields();

        if (host is null || port < 0) return null;
        if (requireIp && !IsIpLiteral(host))
        {
            var message = $"expected an IP address, found '{host}'";
            socket.Node("address")!.Error(hostNameHint is null ? message : message + "; " + hostNameHint);
            return null;
        }
        return new SocketAddressConfig(host, port, socket, ipv4Compat);
    }

    /// <summary>
    /// True for the literal forms Envoy accepts (what <c>inet_pton</c> takes). <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// alone is too lenient: it takes "10" or "127.1" as IPv4 and "[::1]" as IPv6.
    /// </summary>
    public static bool IsIpLiteral(string text)
    {
        if (text.StartsWith('[') || !IPAddress.TryParse(text, out var ip)) return false;
        return ip.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3;
    }
}
