using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Junction.Upstream;

/// <summary>
/// An open connection to an upstream host. Disposing it closes the socket and releases the cluster's
/// accounting (active connections, circuit breaker); dispose exactly once.
/// </summary>
public interface IUpstreamConnection : IAsyncDisposable
{
    /// <summary>The transport: write to <c>Transport.Output</c> to send, read <c>Transport.Input</c> to receive.
    /// Completing the output half-closes (FIN); <see cref="ConnectionContext.Abort()"/> resets (RST).</summary>
    ConnectionContext Connection { get; }

    /// <summary>The host's address.</summary>
    EndPoint Host { get; }

    /// <summary>The host itself, for reporting results to the cluster's outlier detection.</summary>
    IUpstreamHost UpstreamHost { get; }
}
