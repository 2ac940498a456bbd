using Junction.Http.Http1;
using Junction.Http.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>The state of one request/response exchange while it spans several reads.</summary>
internal sealed class Exchange(HttpStreamInfo info)
{
    public HttpStreamInfo Info { get; } = info;

    /// <summary>How the request body is framed.</summary>
    public Http1BodyFraming RequestFraming { get; private set; }

    /// <summary>True once routing ran and the request head was handled.</summary>
    public bool Started { get; set; }

    /// <summary>True once the whole request (head and body) was received and forwarded.</summary>
    public bool RequestComplete { get; set; }

    /// <summary>Bytes of a Content-Length request body not yet forwarded.</summary>
    public long BodyRemaining { get; set; }

    public RouteOutcome Route;

    public Http1UpstreamConnection? Upstream { get; set; }

    public Http1ConnectionPool? Pool { get; set; }

    /// <summary>The upstream stream when the cluster speaks HTTP/2 (then <see cref="Upstream"/> stays null).</summary>
    public Upstream.Http2.Http2ClientStream? Http2Upstream { get; set; }

    /// <summary>The upstream host the pool belongs to.</summary>
    public Junction.Upstream.IUpstreamHost? Host { get; set; }

    /// <summary>True once the request was re-sent on a fresh connection (at most once).</summary>
    public bool Retried { get; set; }

    /// <summary>The request's retries, or null when it is not retried (no policy, an upgrade, ...).</summary>
    public RetryState? Retry { get; set; }

    /// <summary>The request body kept for a retry or a shadow, or null when nothing keeps it.</summary>
    public KeptRequestBody? KeptBody { get; set; }

    /// <summary>Shadow requests (mirrors) waiting for the request body to complete; null or empty when none.</summary>
    public List<PendingShadow>? PendingShadows { get; set; }

    /// <summary>The route timeout was armed (once, at the end of the request: it spans every attempt).</summary>
    public bool RouteTimerArmed { get; set; }

    /// <summary>The next resend goes to a fallback cluster: no back-off before it.</summary>
    public bool SkipBackOff { get; set; }

    /// <summary>The cluster whose max_requests place the exchange holds, while <see cref="_requestSlot"/> is 1.</summary>
    public Junction.Upstream.IUpstreamCluster? RequestSlotCluster { get; private set; }

    // 1 while a max_requests place is held; released once, by the data path or the connection closing.
    private int _requestSlot;

    /// <summary>Takes a place among the cluster's requests in flight; false at max_requests.</summary>
    public bool TryEnterRequest(Junction.Upstream.IUpstreamCluster cluster)
    {
        if (!cluster.TryEnterRequest()) return false;
        RequestSlotCluster = cluster;
        Volatile.Write(ref _requestSlot, 1);
        return true;
    }

    /// <summary>Gives back the cluster places the exchange holds (request and retry). Safe from any thread, and more than once.</summary>
    public void ReleaseClusterPlaces()
    {
        if (Interlocked.Exchange(ref _requestSlot, 0) == 1) RequestSlotCluster!.ExitRequest();
        Retry?.ReleaseRetrySlot();
    }

    /// <summary>True once response bytes have gone to the client: errors after that can only reset.</summary>
    public bool ResponseStarted { get; set; }

    /// <summary>A WebSocket upgrade the proxy forwards; after a 101 the connection becomes a tunnel.</summary>
    public bool IsUpgrade { get; set; }

    /// <summary>The upstream-to-client copy of a tunnel.</summary>
    public Task? TunnelPump { get; set; }

    /// <summary>The cluster's request stats, once the request was sent upstream.</summary>
    public UpstreamRequestStats? UpstreamStats { get; set; }

    /// <summary>When the request head was written upstream (Stopwatch timestamp).</summary>
    public long UpstreamStart { get; set; }

    /// <summary>The request body had bytes the proxy did not read (a local reply came first): close after.</summary>
    public bool BodyUnread { get; set; }

    // The fields below matter only when the connection manager has HTTP filters (Http1ServerConnection.Filters.cs).

    /// <summary>The stream's filters, or null when the connection manager has none.</summary>
    public Filters.HttpFilterChain? Filters { get; set; }

    /// <summary>True once <see cref="Route"/> holds a routing decision (filters may route early, or clear it).</summary>
    public bool Routed { get; set; }

    /// <summary>How the request body goes upstream: as received, or with the length of a body filters buffered whole.</summary>
    public Http1BodyFraming UpstreamFraming { get; set; }

    /// <summary>Bytes still owed upstream under <see cref="UpstreamFraming"/>'s Content-Length.</summary>
    public long UpstreamRemaining { get; set; }

    /// <summary>"100 Continue" went to the client already.</summary>
    public bool ContinueSent { get; set; }

    /// <summary>The response head being filtered and written (the upstream's, or a local reply's).</summary>
    public MessageHead? ResponseHead { get; set; }

    /// <summary>How the response body is framed toward the client.</summary>
    public Http1BodyFraming ClientFraming { get; set; }

    /// <summary>Bytes still owed to the client under a Content-Length <see cref="ClientFraming"/>.</summary>
    public long ClientRemaining { get; set; }

    /// <summary>The response body is re-chunked toward the client.</summary>
    public bool Rechunk { get; set; }

    /// <summary>The client connection stays open after this response.</summary>
    public bool KeepAlive { get; set; }

    /// <summary>
    /// Starts over for the connection's next request: one exchange at a time per connection, so one
    /// object (and its <see cref="Info"/>) serves them all instead of two allocations per request.
    /// </summary>
    public Exchange Reset(Http1BodyFraming framing)
    {
        Info.Reset();
        RequestFraming = framing;
        Started = false;
        RequestComplete = false;
        BodyRemaining = 0;
        Route = default;
        Upstream = null;
        Pool = null;
        Http2Upstream = null;
        Host = null;
        Retried = false;
        Retry = null;
        KeptBody = null;
        PendingShadows?.Clear();
        RouteTimerArmed = false;
        SkipBackOff = false;
        RequestSlotCluster = null;
        _requestSlot = 0;
        ResponseStarted = false;
        IsUpgrade = false;
        TunnelPump = null;
        UpstreamStats = null;
        UpstreamStart = 0;
        BodyUnread = false;
        Routed = false;
        Filters = null;
        UpstreamFraming = framing;
        UpstreamRemaining = framing.Kind == Http1BodyKind.ContentLength ? framing.ContentLength : 0;
        ContinueSent = false;
        ResponseHead = null;
        ClientFraming = default;
        ClientRemaining = 0;
        Rechunk = false;
        KeepAlive = false;
        return this;
    }
}
