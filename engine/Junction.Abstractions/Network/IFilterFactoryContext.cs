using Junction.AccessLog;
using Junction.Configuration;
using Junction.Stats;
using Junction.Upstream;

namespace Junction.Network;

/// <summary>What a filter factory may use while it builds a provider.</summary>
public interface IFilterFactoryContext
{
    /// <summary>The listener the chain belongs to.</summary>
    string ListenerName { get; }

    /// <summary>The clusters of the configuration being built.</summary>
    IClusterManager Clusters { get; }

    /// <summary>The root stats scope; a filter creates its own scope, e.g. <c>tcp.&lt;stat_prefix&gt;.</c>.</summary>
    IStatsScope Stats { get; }

    /// <summary>
    /// The listener's <c>per_connection_buffer_limit_bytes</c>: how much a filter may hold for one
    /// connection (HTTP filters that buffer a body use it as their limit).
    /// </summary>
    int BufferLimitBytes { get; }

    /// <summary>
    /// Builds the access loggers of an <c>access_log</c> sequence (Envoy's AccessLog entries: file and
    /// stdout loggers with text or JSON formats). Errors are reported on the nodes. Never null.
    /// </summary>
    IAccessLogger CreateAccessLogger(ConfigSequence? accessLogs);
}
