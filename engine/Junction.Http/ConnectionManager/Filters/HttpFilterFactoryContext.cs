using Junction.AccessLog;
using Junction.Configuration;
using Junction.HttpFilters;
using Junction.Network;
using Junction.Stats;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager.Filters;

/// <summary>The listener's factory context plus the connection manager's stats scope, for its HTTP filters.</summary>
internal sealed class HttpFilterFactoryContext(IFilterFactoryContext listener, IStatsScope connectionManagerStats) : IHttpFilterFactoryContext
{
    public IStatsScope ConnectionManagerStats => connectionManagerStats;

    public string ListenerName => listener.ListenerName;

    public IClusterManager Clusters => listener.Clusters;

    public IStatsScope Stats => listener.Stats;

    public int BufferLimitBytes => listener.BufferLimitBytes;

    public IAccessLogger CreateAccessLogger(ConfigSequence? accessLogs) => listener.CreateAccessLogger(accessLogs);
}
