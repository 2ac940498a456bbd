using System.Globalization;
using System.Net;
using Junction.Configuration;
using Junction.Core.AccessLog;
using Junction.Core.Configuration;
using Junction.Core.Filters;
using Junction.Core.Network;
using Junction.Core.Stats;
using Junction.Core.Transport;
using Junction.Core.Upstream;
using Junction.Core.Upstream.Health;
using Junction.Core.Upstream.Outlier;
using Junction.Network;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Model;

/// <summary>
/// Builds a <see cref="ProxySnapshot"/> from bound configuration: clusters first (filters refer to
/// them), then listeners and their filter chains. Every error is reported to the configuration's
/// diagnostics; the snapshot is returned only when there are none.
/// </summary>
internal sealed class SnapshotBuilder(NetworkFilterRegistry registry, StatsStore stats, AccessLogSinks sinks, ILoggerFactory loggers)
{
    /// <summary>Loads, binds and builds a bootstrap from YAML text. Null when there were errors.</summary>
    public ProxySnapshot? Load(string yaml, string fileName, ConfigDiagnostics diagnostics)
    {
        var root = ConfigLoader.Load(yaml, fileName, diagnostics);
        if (root is null) return null;
        // Build even when binding found errors: filter factories then report problems inside their
        // typed configs too, so one run lists every error in the file. Build returns null on any error.
        var config = BootstrapBinder.Bind(root);
        return config is null ? null : Build(config, fileName);
    }

    public ProxySnapshot? Build(BootstrapConfig config, string source)
    {
        var diagnostics = config.Node.Diagnostics;
        var clusters = new Dictionary<string, Cluster>(StringComparer.Ordinal);
        foreach (var clusterConfig in config.Clusters)
        {
            clusters[clusterConfig.Name] = BuildCluster(clusterConfig);
        }
        var clusterManager = new ClusterManager(clusters);

        var listeners = new List<ListenerModel>();
        foreach (var listenerConfig in config.Listeners)
        {
            if (BuildListener(listenerConfig, clusterManager, config.Runtime) is { } listener) listeners.Add(listener);
        }
        return diagnostics.HasErrors ? null : new ProxySnapshot(source, clusterManager, listeners, config.Admin) { Bootstrap = config };
    }

    private Cluster BuildCluster(ClusterConfig config)
    {
        var lb = config.LoadBalancer;
        ILoadBalancingPolicy policy = config.LbPolicy switch
        {
            LbPolicyKind.Random => new RandomPolicy(),
            LbPolicyKind.LeastRequest => new LeastRequestPolicy(lb.ChoiceCount, lb.ActiveRequestBias),
            LbPolicyKind.RingHash => new RingHashPolicy(lb.MinimumRingSize, lb.MaximumRingSize),
            LbPolicyKind.Maglev => new MaglevPolicy(lb.MaglevTableSize),
            _ => new RoundRobinPolicy(),
        };
        var logger = loggers.CreateLogger("cluster");
        var clusterScope = stats.Scope("cluster").Scope(config.Name);
        var cluster = new Cluster(
            config.Name,
            policy,
            config.ConnectTimeout,
            new CircuitBreakers(config.CircuitBreakers, clusterScope),
            new CircuitBreakers(config.HighPriorityCircuitBreakers, clusterScope, Junction.Upstream.RoutingPriority.High),
            new TransportOptions(config.PerConnectionBufferLimitBytes),
            new ClusterStats(clusterScope),
            logger,
            config.HttpOptions)
        {
            HealthyPanicThreshold = lb.HealthyPanicThreshold,
        };

        if (config.HealthCheck is { } healthCheck)
        {
            IHealthProbe probe = healthCheck.Http is { } http
                ? new HttpHealthProbe(http, config.Name)
                : new TcpHealthProbe(healthCheck.Tcp ?? new TcpHealthCheckConfig([], []));
            // Set before the hosts: hosts of a health-checked cluster start unhealthy until probed.
            cluster.HealthChecker = new HealthChecker(cluster, healthCheck, probe,
                new HealthCheckStats(clusterScope.Scope("health_check")), loggers.CreateLogger("health_check"));
        }

        if (config.OutlierDetection is { } outlier)
        {
            // Set before the hosts, like the health checker: SetHosts gives every host its monitor.
            cluster.OutlierDetector = new OutlierDetector(config.Name, outlier,
                new OutlierDetectionStats(clusterScope.Scope("outlier_detection")), cluster.OnHostHealthChanged,
                loggers.CreateLogger("outlier_detection"));
        }

        if (config.Type == ClusterDiscoveryType.Static)
        {
            var hosts = new List<UpstreamHost>();
            foreach (var endpoint in config.Endpoints)
            {
                if (IPAddress.TryParse(endpoint.Address.Address, out var ip) && endpoint.Address.Port is >= 0 and <= IPEndPoint.MaxPort)
                {
                    hosts.Add(new UpstreamHost(new IPEndPoint(ip, endpoint.Address.Port), endpoint.Weight, null));
                }
            }
            cluster.SetHosts(new HostSet(hosts.ToArray()));
        }
        else
        {
            var targets = config.Endpoints.Select(e => new DnsTarget(e.Address.Address, e.Address.Port, e.Weight)).ToList();
            cluster.Resolver = new DnsHostResolver(cluster, targets, config.DnsLookupFamily, config.DnsRefreshRate,
                logical: config.Type == ClusterDiscoveryType.LogicalDns, logger);
        }
        return cluster;
    }

    private ListenerModel? BuildListener(ListenerConfig config, ClusterManager clusters, RuntimeConfig runtime)
    {
        if (!IPAddress.TryParse(config.Address.Address, out var ip) || config.Address.Port is < 0 or > IPEndPoint.MaxPort) return null;
        var statPrefix = config.StatPrefix ?? $"{config.Address.Address}_{config.Address.Port.ToString(CultureInfo.InvariantCulture)}";
        var listenerStats = new ListenerStats(stats.Scope("listener").Scope(statPrefix));

        long? connectionLimit = null;
        if (runtime.Values.TryGetValue($"envoy.resource_limits.listener.{config.Name}.connection_limit", out var limit) &&
            limit.TryGetInt64(out var value))
        {
            connectionLimit = value;
        }

        var context = new FilterFactoryContext(config.Name, clusters, stats, sinks, config.PerConnectionBufferLimitBytes);
        var providers = new List<INetworkFilterProvider>();
        foreach (var chain in config.FilterChains)
        {
            for (var i = 0; i < chain.Filters.Count; i++)
            {
                var filter = chain.Filters[i];
                var factory = registry.Resolve(filter.Name, filter.TypeUrl);
                if (factory is null)
                {
                    var node = filter.TypedConfig?.Node("@type") ?? filter.Node.Node("name") ?? filter.Node;
                    node.Error(filter.TypeUrl is not null
                        ? $"unknown network filter type '{filter.TypeUrl}'"
                        : $"unknown network filter '{filter.Name}' (known: {string.Join(", ", registry.Names)})");
                    continue;
                }
                var isLast = i == chain.Filters.Count - 1;
                if (factory.IsTerminal && !isLast)
                {
                    filter.Node.Error($"'{factory.Name}' is a terminal filter and must be the last in its chain");
                }
                else if (!factory.IsTerminal && isLast)
                {
                    filter.Node.Error($"the last filter of a chain must be a terminal filter (such as envoy.filters.network.tcp_proxy), not '{factory.Name}'");
                }
                if (factory.Create(filter.TypedConfig, filter.Node, context) is { } provider) providers.Add(provider);
            }
        }

        return new ListenerModel(config.Name, new IPEndPoint(ip, config.Address.Port), config.Address.Ipv4Compat, config.Backlog,
            config.PerConnectionBufferLimitBytes, connectionLimit, listenerStats, providers);
    }
}
