using Junction.AccessLog;
using Junction.Configuration;
using Junction.Core.AccessLog;
using Junction.Network;
using Junction.Stats;
using Junction.Upstream;

namespace Junction.Core.Model;

/// <summary>What filter factories see while one listener's chain is built.</summary>
internal sealed class FilterFactoryContext(string listenerName, IClusterManager clusters, IStatsScope stats, AccessLogSinks sinks, int bufferLimitBytes) : IFilterFactoryContext
{
    public string ListenerName { get; } = listenerName;

    public IClusterManager Clusters { get; } = clusters;

    public IStatsScope Stats { get; } = stats;

    public int BufferLimitBytes { get; } = bufferLimitBytes;

    public IAccessLogger CreateAccessLogger(ConfigSequence? accessLogs) => AccessLogBinder.Bind(accessLogs, sinks);
}
