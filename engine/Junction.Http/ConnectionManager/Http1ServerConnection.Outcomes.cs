using Junction.AccessLog;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

internal sealed partial class Http1ServerConnection
{
    // Failures that are the upstream's doing but were seen by the proxy rather than sent as a status.
    private const ResponseFlags ResetFlags = ResponseFlags.UpstreamRemoteReset | ResponseFlags.UpstreamProtocolError | ResponseFlags.UpstreamConnectionTermination;

    // Failures to get a connection at all: the cluster already reported each connect attempt itself.
    private const ResponseFlags ConnectFlags = ResponseFlags.UpstreamConnectionFailure | ResponseFlags.UpstreamOverflow;

    /// <summary>
    /// Tells the host that served the exchange how it went, for the cluster's outlier detection. Called
    /// once per exchange, when it ends, so every path that ends one (response relayed, upstream failure,
    /// timeout, local reply) is covered by one call in <see cref="EndExchange"/>: a route timeout is a
    /// local-origin timeout, a reset or a malformed response a local-origin reset, and otherwise the
    /// status the upstream sent counts. Exchanges that never reached a host report nothing.
    /// </summary>
    private static void ReportUpstreamOutcome(Exchange exchange) => ReportUpstreamOutcome(exchange.Host, exchange.Info);

    /// <summary>The same report for any stream (HTTP/2 streams too): the host it used and what its info says.</summary>
    internal static void ReportUpstreamOutcome(IUpstreamHost? host, HttpStreamInfo info)
    {
        if (host is null) return;
        var flags = info.ResponseFlags;
        if ((flags & ConnectFlags) != 0) return;
        if ((flags & ResponseFlags.UpstreamRequestTimeout) != 0)
        {
            host.ReportLocalOrigin(LocalOriginResult.Timeout);
        }
        else if ((flags & ResetFlags) != 0)
        {
            host.ReportLocalOrigin(LocalOriginResult.Reset);
        }
        else if (info.Response is { StatusCode: > 0 } response)
        {
            // Info.Response is the upstream's head (local replies do not set it); it is still intact
            // here, since the upstream connection is released only after the exchange ended.
            host.ReportHttpStatus(response.StatusCode);
        }
    }
}
