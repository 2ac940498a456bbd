using System.Net;
using System.Net.Sockets;

namespace Junction.Core.Upstream.Health;

/// <summary>
/// Opens the plain socket a probe talks over. Probes use a new connection each time and bypass the
/// cluster's connection accounting: a check must reach a host even when the cluster's
/// <c>max_connections</c> are all in use, and must not show up as request traffic in its stats.
/// </summary>
internal static class ProbeConnection
{
    /// <summary>A connected socket, or null when the host refused or could not be reached.</summary>
    public static async ValueTask<Socket?> ConnectAsync(IPEndPoint address, CancellationToken cancellationToken)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
