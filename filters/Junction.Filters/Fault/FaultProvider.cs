using Junction.HttpFilters;

namespace Junction.Filters.Fault;

/// <summary>
/// The fault filter of one connection manager: its settings, stats and randomness, and the count of
/// faulted requests in progress that <c>max_active_faults</c> is checked against.
/// </summary>
internal sealed class FaultProvider(FaultSettings settings, FaultStats stats, Random random) : IHttpFilterProvider
{
    private long _active;

    public FaultSettings Settings => settings;

    public FaultStats Stats => stats;

    public Random Random => random;

    public IHttpStreamFilter CreateFilter() => new FaultFilter(this);

    /// <summary>
    /// Counts a request as faulted, unless <paramref name="maxActive"/> are already; then the fault is not
    /// injected and <c>faults_overflow</c> counts it.
    /// </summary>
    public bool TryActivate(long? maxActive)
    {
        var now = Interlocked.Increment(ref _active);
        if (maxActive is { } max && now > max)
        {
            Interlocked.Decrement(ref _active);
            stats.FaultsOverflow.Increment();
            return false;
        }
        stats.ActiveFaults.Increment();
        return true;
    }

    /// <summary>A faulted request has ended.</summary>
    public void Deactivate()
    {
        Interlocked.Decrement(ref _active);
        stats.ActiveFaults.Decrement();
    }
}
