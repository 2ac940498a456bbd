using BenchmarkDotNet.Attributes;
using Junction.Core.Stats;
using Junction.Stats;

namespace Junction.Benchmarks;

/// <summary>What counting costs on the data path: a pre-resolved counter versus a lookup by name.</summary>
[MemoryDiagnoser]
public class StatsBenchmarks
{
    private readonly StatsStore _store = new();
    private Counter _counter = null!;

    [GlobalSetup]
    public void Setup() => _counter = _store.Scope("cluster").Scope("backend").Counter("upstream_cx_total");

    [Benchmark(Baseline = true)]
    public void IncrementResolvedCounter() => _counter.Increment();

    [Benchmark]
    public void IncrementByName() => _store.Counter("cluster.backend.upstream_cx_total").Increment();
}
