using Junction.Core.Configuration;
using Junction.Upstream;

namespace Junction.Core.Upstream.Outlier;

/// <summary>
/// One host's side of outlier detection: the consecutive-error counters and this interval's success
/// counts, fed by the data path from any thread with single atomic operations, and the ejection state,
/// which only <see cref="OutlierDetector"/> changes (under its lock).
/// </summary>
internal sealed class HostOutlierMonitor
{
    // Request totals in the high 32 bits and successes in the low 32: one atomic add per result, and the
    // sweep takes both with one exchange, so it never sees more successes than requests.
    private const long OneRequest = 1L << 32;
    private const long OneSuccess = OneRequest | 1;

    private readonly OutlierDetector _detector;
    private readonly OutlierDetectionConfig _config;
    private int _consecutive5xx;
    private int _consecutiveGatewayFailures;
    private int _consecutiveLocalOriginFailures;
    private long _externalCounts;
    private long _localOriginCounts;

    public HostOutlierMonitor(OutlierDetector detector, UpstreamHost host)
    {
        _detector = detector;
        _config = detector.Config;
        Host = host;
    }

    public UpstreamHost Host { get; }

    // Ejection state: read and written under the detector's lock only.

    /// <summary>True while the host is ejected.</summary>
    public bool Ejected { get; set; }

    /// <summary>When the current ejection began (a <see cref="TimeProvider"/> timestamp).</summary>
    public long EjectedAt { get; set; }

    /// <summary>How long the current ejection lasts (base time × <see cref="Backoff"/>, capped, plus jitter).</summary>
    public TimeSpan EjectedFor { get; set; }

    /// <summary>The ejection time multiplier: up by one per ejection, down by one per interval the host stays in.</summary>
    public int Backoff { get; set; }

    /// <summary>Ejections of this host so far (for the log).</summary>
    public int TimesEjected { get; set; }

    /// <summary>A response status from the host.</summary>
    public void OnHttpStatus(int status)
    {
        if (status is < 500 or > 599)
        {
            Interlocked.Add(ref _externalCounts, OneSuccess);
            Volatile.Write(ref _consecutive5xx, 0);
            Volatile.Write(ref _consecutiveGatewayFailures, 0);
            return;
        }
        Interlocked.Add(ref _externalCounts, OneRequest);
        // Only the result that reaches the threshold exactly reports it, so concurrent failures report once;
        // the detector resets the counter, and the next run of failures counts from zero.
        if (status is 502 or 503 or 504)
        {
            if (Interlocked.Increment(ref _consecutiveGatewayFailures) == _config.ConsecutiveGatewayFailure)
            {
                _detector.OnConsecutiveFailures(this, OutlierEjectionType.ConsecutiveGatewayFailure);
            }
        }
        else
        {
            Volatile.Write(ref _consecutiveGatewayFailures, 0);
        }
        if (Interlocked.Increment(ref _consecutive5xx) == _config.Consecutive5xx)
        {
            _detector.OnConsecutiveFailures(this, OutlierEjectionType.Consecutive5xx);
        }
    }

    /// <summary>Something the proxy observed itself (see <see cref="LocalOriginResult"/>).</summary>
    public void OnLocalOrigin(LocalOriginResult result)
    {
        if (!_config.SplitExternalLocalOriginErrors)
        {
            // Without the split, Envoy folds local events into the HTTP view: failures are 503 (504 for a
            // timeout), a final connect is a 200, and a connect a protocol runs on top of says nothing yet.
            switch (result)
            {
                case LocalOriginResult.ConnectSucceededFinal: OnHttpStatus(200); break;
                case LocalOriginResult.Timeout: OnHttpStatus(504); break;
                case LocalOriginResult.ConnectFailed or LocalOriginResult.Reset: OnHttpStatus(503); break;
            }
            return;
        }
        if (result is LocalOriginResult.ConnectSucceeded or LocalOriginResult.ConnectSucceededFinal)
        {
            Interlocked.Add(ref _localOriginCounts, OneSuccess);
            Volatile.Write(ref _consecutiveLocalOriginFailures, 0);
            return;
        }
        Interlocked.Add(ref _localOriginCounts, OneRequest);
        if (Interlocked.Increment(ref _consecutiveLocalOriginFailures) == _config.ConsecutiveLocalOriginFailure)
        {
            _detector.OnConsecutiveFailures(this, OutlierEjectionType.ConsecutiveLocalOriginFailure);
        }
    }

    /// <summary>An active health check of the host passed (it may return the host early).</summary>
    public void OnActiveHealthCheckPassed() => _detector.OnActiveHealthCheckPassed(this);

    /// <summary>Takes this interval's external (HTTP status) counts and starts the next interval at zero.</summary>
    public (long Requests, long Successes) TakeExternalCounts() => Split(Interlocked.Exchange(ref _externalCounts, 0));

    /// <summary>Takes this interval's local-origin counts (kept only with the split) and starts over.</summary>
    public (long Requests, long Successes) TakeLocalOriginCounts() => Split(Interlocked.Exchange(ref _localOriginCounts, 0));

    /// <summary>Starts the consecutive counter of <paramref name="type"/> over (after it was reported).</summary>
    public void ResetConsecutive(OutlierEjectionType type)
    {
        switch (type)
        {
            case OutlierEjectionType.Consecutive5xx: Volatile.Write(ref _consecutive5xx, 0); break;
            case OutlierEjectionType.ConsecutiveGatewayFailure: Volatile.Write(ref _consecutiveGatewayFailures, 0); break;
            case OutlierEjectionType.ConsecutiveLocalOriginFailure: Volatile.Write(ref _consecutiveLocalOriginFailures, 0); break;
        }
    }

    /// <summary>Clears every counter: a returning host starts with a clean record (as in Envoy).</summary>
    public void ResetAll()
    {
        Volatile.Write(ref _consecutive5xx, 0);
        Volatile.Write(ref _consecutiveGatewayFailures, 0);
        Volatile.Write(ref _consecutiveLocalOriginFailures, 0);
        Interlocked.Exchange(ref _externalCounts, 0);
        Interlocked.Exchange(ref _localOriginCounts, 0);
    }

    private static (long, long) Split(long packed) => (packed >>> 32, packed & 0xFFFF_FFFF);
}
