using System.Net;
using BenchmarkDotNet.Attributes;
using Junction.Core.Upstream;

namespace Junction.Benchmarks;

/// <summary>Cost of one host pick per policy over a 16-host cluster, equal and unequal weights.</summary>
[MemoryDiagnoser]
public class LoadBalancerBenchmarks
{
    private readonly RoundRobinPolicy _roundRobin = new();
    private readonly RandomPolicy _random = new();
    private readonly LeastRequestPolicy _leastRequest = new();
    private HostSet _hosts = HostSet.Empty;

    [Params(false, true)]
    public bool Weighted { get; set; }

    [GlobalSetup]
    public void Setup() => _hosts = new HostSet(Enumerable.Range(0, 16)
        .Select(i => new UpstreamHost(new IPEndPoint(IPAddress.Loopback, 9000 + i), Weighted ? 1 + (i % 4) : 1, null))
        .ToArray());

    [Benchmark(Baseline = true)]
    public int RoundRobin() => _roundRobin.Pick(_hosts, null)!.Weight;

    [Benchmark]
    public int Random() => _random.Pick(_hosts, null)!.Weight;

    [Benchmark]
    public int LeastRequest() => _leastRequest.Pick(_hosts, null)!.Weight;
}
