using System.Diagnostics;
using System.Net;
using System.Text;

namespace Junction.AccessLog;

/// <summary>
/// What is known about a connection (and, with HTTP, a request): when it started, bytes moved, which
/// upstream served it and why it ended. Filled in by the connection and its filters; read by access logs.
/// Written only by the connection's own processing, so it needs no locking; counters that two directions
/// update concurrently use atomic adds.
/// </summary>
public class StreamInfo
{
    private long _bytesReceived;
    private long _bytesSent;
    private int _responseFlags;

    /// <summary>Creates the info for something that starts now.</summary>
    public StreamInfo(EndPoint? downstreamRemote, EndPoint? downstreamLocal)
    {
        StartTime = DateTimeOffset.UtcNow;
        StartTimestamp = Stopwatch.GetTimestamp();
        DownstreamDirectRemoteAddress = downstreamRemote;
        DownstreamRemoteAddress = downstreamRemote;
        DownstreamLocalAddress = downstreamLocal;
    }

    /// <summary>Wall-clock start time.</summary>
    public DateTimeOffset StartTime { get; private set; }

    /// <summary>Monotonic start, from <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public long StartTimestamp { get; private set; }

    /// <summary>Monotonic end, or 0 while still open.</summary>
    public long EndTimestamp { get; private set; }

    /// <summary>Time from start to <see cref="MarkEnded"/> (or to now, while still open).</summary>
    public TimeSpan Duration => Stopwatch.GetElapsedTime(StartTimestamp, EndTimestamp == 0 ? Stopwatch.GetTimestamp() : EndTimestamp);

    /// <summary>
    /// The downstream client: the peer of the connection, or the original client an HTTP connection
    /// manager found in x-forwarded-for (per <c>use_remote_address</c> and <c>xff_num_trusted_hops</c>).
    /// </summary>
    public EndPoint? DownstreamRemoteAddress { get; set; }

    /// <summary>The peer of the downstream connection, whatever headers say.</summary>
    public EndPoint? DownstreamDirectRemoteAddress { get; }

    /// <summary>The local address the downstream connected to.</summary>
    public EndPoint? DownstreamLocalAddress { get; }

    /// <summary>Bytes received from downstream.</summary>
    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Bytes sent to downstream.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>The cluster that served the connection, once chosen.</summary>
    public string? UpstreamCluster { get; set; }

    /// <summary>The upstream host's address, once connected (or last tried).</summary>
    public EndPoint? UpstreamHost { get; set; }

    /// <summary>The local address of the upstream connection, once connected.</summary>
    public EndPoint? UpstreamLocalAddress { get; set; }

    /// <summary>The flags set so far.</summary>
    public ResponseFlags ResponseFlags => (ResponseFlags)Volatile.Read(ref _responseFlags);

    /// <summary>A short reason the connection ended, e.g. <c>idle_timeout</c> (Envoy's CONNECTION_TERMINATION_DETAILS).</summary>
    public string? TerminationDetails { get; set; }

    /// <summary>Adds to the downstream bytes received.</summary>
    public void AddBytesReceived(long count) => Interlocked.Add(ref _bytesReceived, count);

    /// <summary>Adds to the downstream bytes sent.</summary>
    public void AddBytesSent(long count) => Interlocked.Add(ref _bytesSent, count);

    /// <summary>Sets a response flag (flags accumulate).</summary>
    public void SetFlag(ResponseFlags flag)
    {
        int current;
        do { current = Volatile.Read(ref _responseFlags); }
        while (Interlocked.CompareExchange(ref _responseFlags, current | (int)flag, current) != current);
    }

    /// <summary>Records the end time; later calls keep the first.</summary>
    public void MarkEnded()
    {
        if (EndTimestamp == 0) EndTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Starts over for the next request on the same connection (a connection carries one request at a
    /// time, so one object serves them all and nothing is allocated per request). Call only after the
    /// previous request's access log line was written.
    /// </summary>
    protected void Restart()
    {
        StartTime = DateTimeOffset.UtcNow;
        StartTimestamp = Stopwatch.GetTimestamp();
        EndTimestamp = 0;
        Volatile.Write(ref _bytesReceived, 0);
        Volatile.Write(ref _bytesSent, 0);
        Volatile.Write(ref _responseFlags, 0);
        DownstreamRemoteAddress = DownstreamDirectRemoteAddress;
        UpstreamCluster = null;
        UpstreamHost = null;
        UpstreamLocalAddress = null;
        TerminationDetails = null;
    }

    /// <summary>The protocol for <c>%PROTOCOL%</c>; null (printed as <c>-</c>) for plain TCP.</summary>
    public virtual string? Protocol => null;

    /// <summary>The response code for <c>%RESPONSE_CODE%</c>; 0 for plain TCP.</summary>
    public virtual int ResponseCode => 0;

    /// <summary>
    /// Appends a request header's value for <c>%REQ(X)%</c>; returns false when there is none (plain TCP has none).
    /// </summary>
    public virtual bool TryAppendRequestHeader(string name, StringBuilder output) => false;

    /// <summary>Appends a response header's value for <c>%RESP(X)%</c>; returns false when there is none.</summary>
    public virtual bool TryAppendResponseHeader(string name, StringBuilder output) => false;

    /// <summary>The route name for <c>%ROUTE_NAME%</c>; null for plain TCP.</summary>
    public virtual string? RouteName => null;
}
