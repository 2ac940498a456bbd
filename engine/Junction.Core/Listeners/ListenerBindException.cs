using System.Net;
using System.Net.Sockets;

namespace Junction.Core.Listeners;

/// <summary>A listener's address could not be bound; names the listener and the address.</summary>
internal sealed class ListenerBindException(string listener, IPEndPoint address, SocketException inner)
    : Exception($"cannot bind listener '{listener}' to {address}: {inner.Message}", inner)
{
    public string Listener { get; } = listener;

    public IPEndPoint Address { get; } = address;
}
