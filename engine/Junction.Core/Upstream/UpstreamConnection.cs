using System.Net;
using Junction.Core.Transport;
using Junction.Upstream;
using Microsoft.AspNetCore.Connections;

namespace Junction.Core.Upstream;

/// <summary>
/// An open connection to a host of a cluster; disposing it closes it and settles the accounting, giving
/// its slot back to the priority (<paramref name="breakers"/>) that opened it.
/// </summary>
internal sealed class UpstreamConnection(Cluster cluster, UpstreamHost host, SocketConnection transport, CircuitBreakers breakers) : IUpstreamConnection
{
    private int _disposed;

    public ConnectionContext Connection => transport;

    public EndPoint Host => host.Address;

    public IUpstreamHost UpstreamHost => host;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await transport.DisposeAsync().ConfigureAwait(false);
        cluster.OnConnectionClosed(host, transport, breakers);
    }
}
