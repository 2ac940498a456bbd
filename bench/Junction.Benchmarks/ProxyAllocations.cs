using System.Diagnostics;
using System.Text;
using Junction.Configuration;
using Junction.Core.AccessLog;
using Junction.Core.Filters;
using Junction.Core.Listeners;
using Junction.Core.Model;
using Junction.Core.Stats;
using Junction.Filters;
using Junction.Http.ConnectionManager;
using Microsoft.Extensions.Logging;

namespace Junction.Benchmarks;

/// <summary>
/// Bytes allocated per request by steady-state proxying of a small keep-alive GET, end to end through
/// the real engine: a raw-socket client → Junction (built from YAML as the binary builds it) → a raw-socket
/// upstream with a fixed response. The client and the upstream allocate nothing per request, so the
/// whole process's <see cref="GC.GetTotalAllocatedBytes(bool)"/> difference over the measured requests
/// is the proxy's (plus anything the runtime does meanwhile, which shows as a small remainder).
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project bench/Junction.Benchmarks -- --proxy-allocations</c>
/// (optionally followed by the measured request count). Prints one line per configuration (access log
/// off, then on), then the sampled allocation profile by type (the runtime's GC AllocationTick events,
/// about one per 100 KB allocated, read in-process by an EventListener) for access log off.
/// Nothing asserts on the figure; it is printed so a change that adds per-request allocations shows.
/// </remarks>
internal static partial class ProxyAllocations
{
    public const string Argument = "--proxy-allocations";

    private const int WarmupRequests = 20_000;
    private const int DefaultMeasuredRequests = 100_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var measured = args.Length > 1 && int.TryParse(args[1], out var n) ? n : DefaultMeasuredRequests;
        Console.WriteLine($"steady-state proxying of a small keep-alive GET: {WarmupRequests} warm-up requests, then {measured} measured (GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")})");
        await MeasureAsync("access log off", accessLog: false, measured, sampleTypes: false);
        await MeasureAsync("access log on ", accessLog: true, measured, sampleTypes: false);
        await MeasureAsync("access log off", accessLog: false, measured, sampleTypes: true);
        await MeasureAsync("access log on", accessLog: true, measured, sampleTypes: true);
        return 0;
    }

    private static async Task MeasureAsync(string label, bool accessLog, int measured, bool sampleTypes)
    {
        using var upstream = new FixedResponseUpstream();
        var logPath = accessLog ? Path.Combine(Path.GetTempPath(), $"junction-bench-{Guid.NewGuid():N}.log") : null;
        await using var proxy = await StartProxyAsync(upstream.Port, logPath);
        try
        {
            using var client = new KeepAliveClient(proxy.Listener);
            // Blocking socket calls on a thread of their own, so the proxy keeps the whole thread pool.
            var result = await OnOwnThreadAsync(() =>
            {
                client.Run(WarmupRequests);
                using var sampler = sampleTypes ? new AllocationSampler() : null;
                var gen0 = GC.CollectionCount(0);
                var clientBefore = GC.GetAllocatedBytesForCurrentThread();
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var start = Stopwatch.GetTimestamp();
                client.Run(measured);
                var elapsed = Stopwatch.GetElapsedTime(start);
                var after = GC.GetTotalAllocatedBytes(precise: true);
                var clientAllocated = GC.GetAllocatedBytesForCurrentThread() - clientBefore;
                return (Total: after - before, Client: clientAllocated, Gen0: GC.CollectionCount(0) - gen0, Elapsed: elapsed, Profile: sampler?.Snapshot());
            });

            if (result.Profile is { } profile)
            {
                PrintProfile(label.Trim(), profile, measured);
                return;
            }
            Console.WriteLine(
                $"{label}: {(double)result.Total / measured,8:F1} bytes/request ({result.Total} bytes over {measured} requests, " +
                $"{result.Gen0} gen0 GCs, {measured / result.Elapsed.TotalSeconds:F0} requests/s); " +
                $"client thread {result.Client} bytes, upstream thread {upstream.AllocatedAfterFirstRequest} bytes");
            if (proxy.Stats.CounterValue("http.bench.downstream_rq_2xx") < WarmupRequests + measured)
            {
                throw new InvalidOperationException("the proxy counted fewer 2xx responses than the client read");
            }
        }
        finally
        {
            if (logPath is not null) File.Delete(logPath);
        }
    }

    private static void PrintProfile(string label, IReadOnlyDictionary<string, long> profile, int measured)
    {
        var total = profile.Values.Sum();
        Console.WriteLine($"sampled allocations by type, {label} (AllocationTick, ~100 KB per sample; {(double)total / measured:F1} bytes/request sampled):");
        foreach (var (type, bytes) in profile.OrderByDescending(p => p.Value).Take(20))
        {
            Console.WriteLine($"  {(double)bytes / measured,8:F1} bytes/request  {type}{DeclaringTypes(type)}");
        }
    }

    /// <summary>
    /// The event names a closure class without its enclosing type ("&lt;&gt;c__DisplayClass5_0"): list the
    /// Junction types that declare one of that name, to narrow down where it comes from.
    /// </summary>
    private static string DeclaringTypes(string type)
    {
        if (!type.StartsWith("<>c", StringComparison.Ordinal)) return "";
        var declaring = AppDomain.CurrentDomain.GetAssemblies()
            .Where(assembly => assembly.GetName().Name?.StartsWith("Junction", StringComparison.Ordinal) == true)
            .SelectMany(assembly => assembly.GetTypes())
            .Where(candidate => candidate.Name == type && candidate.DeclaringType is not null)
            .Select(candidate => candidate.DeclaringType!.FullName)
            .ToList();
        return declaring.Count == 0 ? "" : $" (declared in {string.Join(" or ", declaring)})";
    }

    private static Task<T> OnOwnThreadAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }) { IsBackground = true, Name = "bench client" }.Start();
        return done.Task;
    }

    /// <summary>The engine built from YAML the way the binary builds it (and the integration tests' InProcessProxy).</summary>
    private sealed class RunningProxy(ProxyServer server, StatsStore stats, AccessLogSinks sinks, ILoggerFactory loggers) : IAsyncDisposable
    {
        public StatsStore Stats { get; } = stats;

        public System.Net.IPEndPoint Listener => server.Listeners.Single().BoundAddress;

        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            await sinks.DisposeAsync();
            loggers.Dispose();
        }
    }

    private static async Task<RunningProxy> StartProxyAsync(int upstreamPort, string? accessLogPath)
    {
        var loggers = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning));
        var stats = new StatsStore();
        var sinks = new AccessLogSinks(stats);
        var registry = new NetworkFilterRegistry().AddRange(BuiltInFilters.NetworkFilters()).Add(new HttpConnectionManagerFactory(new Junction.Http.Filters.HttpFilterRegistry().AddRange(BuiltInFilters.HttpFilters())));
        var diagnostics = new ConfigDiagnostics();
        var snapshot = new SnapshotBuilder(registry, stats, sinks, loggers).Load(Configuration(upstreamPort, accessLogPath), "bench.yaml", diagnostics)
            ?? throw new InvalidOperationException("invalid benchmark configuration:\n" + string.Join("\n", diagnostics.Errors));
        var server = await ProxyServer.StartAsync(snapshot, loggers, CancellationToken.None);
        return new RunningProxy(server, stats, sinks, loggers);
    }

    /// <summary>One listener, one catch-all route (default 15 s route timeout), one cluster of one host; Envoy's default access log format when on.</summary>
    private static string Configuration(int upstreamPort, string? accessLogPath)
    {
        var accessLog = accessLogPath is null ? "" : $$"""
                      access_log:
                      - name: envoy.access_loggers.file
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                          path: {{accessLogPath}}

            """;
        var yaml = new StringBuilder();
        yaml.Append($$"""
            static_resources:
              listeners:
              - name: http
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: bench

            """);
        yaml.Append(accessLog);
        yaml.Append($$"""
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                      route_config:
                        name: local
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          routes:
                          - { match: { prefix: "/" }, route: { cluster: upstream } }
              clusters:
              - name: upstream
                connect_timeout: 1s
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{upstreamPort}} } } }

            """);
        return yaml.ToString();
    }
}
