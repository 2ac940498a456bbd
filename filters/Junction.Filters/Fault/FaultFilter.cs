using System.Diagnostics;
using System.Globalization;
using Junction.AccessLog;
using Junction.HttpFilters;

namespace Junction.Filters.Fault;

/// <summary>
/// One request's fault injection. A delay is an awaited timer inside the request-headers callback (no
/// thread is held; the stream's end cancels it); an abort answers with a local reply, to which this
/// filter, seeing it on the way out, adds the gRPC status when the abort is a gRPC one. The request counts
/// as an active fault from the moment one is injected until the stream ends (the chain disposes the filter).
/// </summary>
internal sealed class FaultFilter(FaultProvider provider) : IHttpDecoderFilter, IHttpEncoderFilter, IDisposable
{
    private const string DelayHeader = "x-envoy-fault-delay-request";
    private const string DelayPercentageHeader = "x-envoy-fault-delay-request-percentage";
    private const string AbortHeader = "x-envoy-fault-abort-request";
    private const string AbortGrpcHeader = "x-envoy-fault-abort-grpc-request";
    private const string AbortPercentageHeader = "x-envoy-fault-abort-request-percentage";

    // Task.Delay takes at most uint.MaxValue - 1 milliseconds (about 49 days).
    private static readonly TimeSpan s_longestDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    private IHttpFilterCallbacks _callbacks = null!;
    private bool _active;
    private int _grpcStatus = -1;

    public void Initialize(IHttpFilterCallbacks callbacks) => _callbacks = callbacks;

    public ValueTask<HttpFilterStatus> DecodeHeadersAsync(IHttpRequestHeaders headers, bool endOfStream)
    {
        // A route's HTTPFault replaces the filter's (Envoy's most specific config wins).
        var settings = _callbacks.RouteConfig<FaultSettings>() ?? provider.Settings;
        if (!Applies(settings, headers)) return ValueTask.FromResult(HttpFilterStatus.Continue);
        if (settings.Delay is { } delay && DelayFor(delay, headers) is { } duration && TryActivate(settings))
        {
            provider.Stats.DelaysInjected.Increment();
            _callbacks.Info.SetFlag(ResponseFlags.DelayInjected);
            return DelayThenMaybeAbortAsync(settings, headers, duration);
        }
        return ValueTask.FromResult(MaybeAbort(settings, headers));
    }

    public ValueTask<HttpFilterStatus> EncodeHeadersAsync(IHttpResponseHeaders headers, bool endOfStream)
    {
        // Only this filter's own reply has a gRPC status set: a trailers-only gRPC answer, as Envoy sends one.
        if (_grpcStatus >= 0)
        {
            headers.Set("content-type", "application/grpc");
            headers.Set("grpc-status", _grpcStatus.ToString(CultureInfo.InvariantCulture));
            headers.Set("grpc-message", "fault filter abort");
        }
        return ValueTask.FromResult(HttpFilterStatus.Continue);
    }

    public void Dispose()
    {
        if (!_active) return;
        _active = false;
        provider.Deactivate();
    }

    private async ValueTask<HttpFilterStatus> DelayThenMaybeAbortAsync(FaultSettings settings, IHttpRequestHeaders headers, TimeSpan duration)
    {
        var aborted = _callbacks.StreamAborted;
        try
        {
            var start = Stopwatch.GetTimestamp();
            await Task.Delay(duration, aborted).ConfigureAwait(false);
            // Timers run on a coarse tick and may fire a little early; an injected delay is at least its length.
            while (Stopwatch.GetElapsedTime(start) is var elapsed && elapsed < duration)
            {
                await Task.Delay(duration - elapsed + TimeSpan.FromMilliseconds(1), aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The stream ended during the delay (client gone, a timeout): nothing more to do for it.
            return HttpFilterStatus.StopIteration;
        }
        return MaybeAbort(settings, headers);
    }

    private HttpFilterStatus MaybeAbort(FaultSettings settings, IHttpRequestHeaders headers)
    {
        if (settings.Abort is not { } abort || !AbortFor(abort, headers, out var status, out var grpcStatus)) return HttpFilterStatus.Continue;
        if (!TryActivate(settings)) return HttpFilterStatus.Continue;
        provider.Stats.AbortsInjected.Increment();
        _callbacks.Info.SetFlag(ResponseFlags.FaultInjected);
        _grpcStatus = grpcStatus;
        // A gRPC abort is HTTP 200 with the status in grpc-status (added in EncodeHeadersAsync), and no body.
        _callbacks.SendLocalReply(status, grpcStatus >= 0 ? null : "fault filter abort", "fault_filter_abort");
        return HttpFilterStatus.StopIteration;
    }

    private bool Applies(FaultSettings settings, IHttpRequestHeaders headers)
    {
        if (settings.Delay is null && settings.Abort is null) return false;
        if (settings.UpstreamCluster is { } cluster && !string.Equals(cluster, _callbacks.ClusterName, StringComparison.Ordinal)) return false;
        if (settings.DownstreamNodes.Count > 0
            && (headers.Get("x-envoy-downstream-service-node") is not { } node || !settings.DownstreamNodes.Contains(node)))
        {
            return false;
        }
        foreach (var matcher in settings.Headers)
        {
            if (!matcher.Matches(headers)) return false;
        }
        return true;
    }

    private bool TryActivate(FaultSettings settings)
    {
        // A request delayed and then aborted is one active fault, as in Envoy.
        if (_active) return true;
        _active = provider.TryActivate(settings.MaxActiveFaults);
        return _active;
    }

    private TimeSpan? DelayFor(FaultDelaySettings delay, IHttpRequestHeaders headers)
    {
        if (delay.Fixed is { } fixedDelay)
        {
            return delay.Percentage.Sample(provider.Random) ? Min(fixedDelay, s_longestDelay) : null;
        }
        // header_delay: the request names its delay in milliseconds; no (valid) header, no delay.
        if (!TryParse(headers.Get(DelayHeader), out var milliseconds)) return null;
        if (!HeaderPercentage(delay.Percentage, headers, DelayPercentageHeader).Sample(provider.Random)) return null;
        return Min(TimeSpan.FromMilliseconds(milliseconds), s_longestDelay);
    }

    private bool AbortFor(FaultAbortSettings abort, IHttpRequestHeaders headers, out int status, out int grpcStatus)
    {
        status = 200;
        grpcStatus = -1;
        var percentage = abort.Percentage;
        if (abort.HttpStatus is { } http) status = http;
        else if (abort.GrpcStatus is { } grpc) grpcStatus = grpc;
        else
        {
            // header_abort: an HTTP status in [200, 600) wins; else a gRPC status in [0, 16] (answered with 200).
            if (TryParse(headers.Get(AbortHeader), out var code) && code is >= 200 and < 600) status = (int)code;
            else if (TryParse(headers.Get(AbortGrpcHeader), out var grpcCode) && grpcCode <= 16) grpcStatus = (int)grpcCode;
            else return false;
            percentage = HeaderPercentage(percentage, headers, AbortPercentageHeader);
        }
        return percentage.Sample(provider.Random);
    }

    /// <summary>A percentage header may lower the configured share (same denominator), never raise it.</summary>
    private static FractionalPercent HeaderPercentage(FractionalPercent configured, IHttpRequestHeaders headers, string name) =>
        TryParse(headers.Get(name), out var numerator) ? configured.CappedAt(numerator) : configured;

    private static bool TryParse(string? value, out uint number) =>
        uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
