using Junction.AccessLog;
using Junction.HttpFilters;

namespace Junction.Http.ConnectionManager.Filters;

/// <summary>Which way through the filters: the request (decoders) or the response (encoders).</summary>
internal enum FilterDirection : byte
{
    Decode,
    Encode,
}

/// <summary>
/// The HTTP filters of one stream: creates them, walks the request through the decoders in
/// configuration order and the response through the encoders in reverse order, and keeps what the
/// filters asked for (a pause, a local reply). One instance per connection, reused for each stream.
/// </summary>
internal sealed class HttpFilterChain
{
    private readonly HttpFilterChainConfig _config;
    private readonly IHttpStreamFilter?[] _filters;
    private readonly FilterCallbacks[] _callbacks;
    private readonly List<int> _decoders = [];
    private readonly List<int> _encoders = [];
    private readonly Lock _lock = new();

    // One waiter a direction: on HTTP/2 the request and the response may pass the filters at the same time.
    private TaskCompletionSource? _decodeWaiter;
    private TaskCompletionSource? _encodeWaiter;
    private bool _decodeContinued;
    private bool _encodeContinued;
    private CancellationToken _streamToken;
    private CancellationTokenSource? _aborted;

    public HttpFilterChain(HttpFilterChainConfig config, IHttpFilterChainSink sink)
    {
        _config = config;
        Sink = sink;
        _filters = new IHttpStreamFilter?[config.Filters.Count];
        _callbacks = new FilterCallbacks[config.Filters.Count];
        for (var i = 0; i < _callbacks.Length; i++) _callbacks[i] = new FilterCallbacks(this, i);
        Decoding = new DecodeIteration(this);
        Encoding = new EncodeIteration(this);
    }

    public IHttpFilterChainSink Sink { get; }

    public DecodeIteration Decoding { get; }

    public EncodeIteration Encoding { get; }

    public RequestHeaderView RequestHeaders { get; } = new();

    public ResponseHeaderView ResponseHeaders { get; } = new();

    public HeaderMapView RequestTrailers { get; } = new();

    public HeaderMapView ResponseTrailers { get; } = new();

    public StreamInfo Info { get; private set; } = null!;

    public int BufferLimit => _config.BufferLimit;

    /// <summary>The status a filter asked to answer with (valid when <see cref="LocalReplyRequested"/>).</summary>
    public int LocalReplyStatus { get; private set; }

    public string? LocalReplyBody { get; private set; }

    public string? LocalReplyDetails { get; private set; }

    public bool LocalReplyRequested { get; private set; }

    /// <summary>True while the encoders run: a local reply asked for then skips them (it would loop).</summary>
    public bool EncodingStarted { get; set; }

    /// <summary>Creates the stream's filters and points the views at the request.</summary>
    public void Begin(StreamInfo info, MessageHead request, CancellationToken streamToken)
    {
        Info = info;
        _streamToken = streamToken;
        RequestHeaders.Attach(request);
        LocalReplyRequested = false;
        LocalReplyBody = null;
        LocalReplyDetails = null;
        EncodingStarted = false;
        _decodeContinued = false;
        _encodeContinued = false;
        Decoding.Reset();
        Encoding.Reset();
        _decoders.Clear();
        _encoders.Clear();
        for (var i = 0; i < _filters.Length; i++)
        {
            var filter = _config.Filters[i].Provider.CreateFilter();
            _filters[i] = filter;
            filter.Initialize(_callbacks[i]);
            if (filter is IHttpDecoderFilter) _decoders.Add(i);
        }
        // Encoders run in reverse: the filter nearest the client sees the response last.
        for (var i = _filters.Length - 1; i >= 0; i--)
        {
            if (_filters[i] is IHttpEncoderFilter) _encoders.Add(i);
        }
    }

    /// <summary>The stream is over: filters are let go (disposed when they are disposable).</summary>
    public void End()
    {
        for (var i = 0; i < _filters.Length; i++)
        {
            (_filters[i] as IDisposable)?.Dispose();
            _filters[i] = null;
        }
        lock (_lock)
        {
            _decodeWaiter = null;
            _encodeWaiter = null;
            _aborted?.Dispose();
            _aborted = null;
        }
    }

    /// <summary>The stream ended early: filters watching <see cref="IHttpFilterCallbacks.StreamAborted"/> hear of it.</summary>
    public void Abort()
    {
        lock (_lock)
        {
            _aborted?.Cancel();
            _decodeWaiter?.TrySetCanceled();
            _encodeWaiter?.TrySetCanceled();
        }
    }

    /// <summary>The connection is done: body buffers go back to the pool.</summary>
    public void Release()
    {
        Decoding.Release();
        Encoding.Release();
    }

    internal IHttpDecoderFilter Decoder(int position) => (IHttpDecoderFilter)_filters[_decoders[position]]!;

    internal IHttpEncoderFilter Encoder(int position) => (IHttpEncoderFilter)_filters[_encoders[position]]!;

    internal int DecoderCount => _decoders.Count;

    internal int EncoderCount => _encoders.Count;

    internal int DecoderIndex(int position) => _decoders[position];

    internal int EncoderIndex(int position) => _encoders[position];

    /// <summary>Before each filter call: a continue from an earlier call must not cut a later pause short.</summary>
    internal void BeforeCall(FilterDirection direction)
    {
        lock (_lock)
        {
            if (direction == FilterDirection.Decode) _decodeContinued = false;
            else _encodeContinued = false;
        }
    }

    /// <summary>
    /// Acts on a filter's answer: waits out a <see cref="HttpFilterStatus.StopIteration"/> until the filter
    /// continues. False when the stream is to be answered locally instead.
    /// </summary>
    internal async ValueTask<bool> ResolveAsync(HttpFilterStatus status, FilterDirection direction, int filter)
    {
        if (LocalReplyRequested) return false;
        if (status != HttpFilterStatus.StopIteration) return true;
        Task wait;
        lock (_lock)
        {
            var continued = direction == FilterDirection.Decode ? _decodeContinued : _encodeContinued;
            if (continued || LocalReplyRequested) return !LocalReplyRequested;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (direction == FilterDirection.Decode) _decodeWaiter = waiter;
            else _encodeWaiter = waiter;
            wait = waiter.Task;
        }
        try
        {
            await wait.WaitAsync(_streamToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                if (direction == FilterDirection.Decode) _decodeWaiter = null;
                else _encodeWaiter = null;
            }
        }
        return !LocalReplyRequested;
    }

    internal void Continue(FilterDirection direction)
    {
        lock (_lock)
        {
            var waiter = direction == FilterDirection.Decode ? _decodeWaiter : _encodeWaiter;
            if (waiter is not null) waiter.TrySetResult();
            else if (direction == FilterDirection.Decode) _decodeContinued = true;
            else _encodeContinued = true;
        }
    }

    internal void RequestLocalReply(int status, string? body, string? details)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 599);
        lock (_lock)
        {
            if (LocalReplyRequested) return;
            LocalReplyStatus = status;
            LocalReplyBody = body;
            LocalReplyDetails = details;
            LocalReplyRequested = true;
            _decodeWaiter?.TrySetResult();
            _encodeWaiter?.TrySetResult();
        }
    }

    /// <summary>The local reply asked for is being sent: encoders may see it (and ask for another, which then skips them).</summary>
    internal void TakeLocalReply()
    {
        lock (_lock) LocalReplyRequested = false;
    }

    internal CancellationToken AbortedToken
    {
        get
        {
            lock (_lock)
            {
                // Linked to the stream's token, so a timeout reaches a filter that is awaiting inside a
                // callback (the data path cannot call Abort while it is waiting for that very filter).
                // Made only when a filter asks; End disposes it, which unlinks it before the next stream.
                _aborted ??= CancellationTokenSource.CreateLinkedTokenSource(_streamToken);
                return _aborted.Token;
            }
        }
    }

    internal T? RouteConfig<T>(int filter)
        where T : class
    {
        ref var route = ref Sink.CurrentRoute();
        return route.Entry?.FilterConfigs is { } configs ? configs[filter] as T : null;
    }

    /// <summary>The callbacks one filter gets; they know which filter they belong to.</summary>
    private sealed class FilterCallbacks(HttpFilterChain chain, int filter) : IHttpFilterCallbacks
    {
        public StreamInfo Info => chain.Info;

        public IHttpRequestHeaders RequestHeaders => chain.RequestHeaders;

        public string? RouteName => chain.Sink.CurrentRoute().RouteName;

        public string? ClusterName => chain.Sink.CurrentRoute().Cluster?.Name;

        public CancellationToken StreamAborted => chain.AbortedToken;

        public T? RouteConfig<T>()
            where T : class => chain.RouteConfig<T>(filter);

        public void ClearRouteCache() => chain.Sink.ClearRoute();

        public void ContinueDecoding() => chain.Continue(FilterDirection.Decode);

        public void ContinueEncoding() => chain.Continue(FilterDirection.Encode);

        public void SendLocalReply(int status, string? body = null, string? details = null) => chain.RequestLocalReply(status, body, details);
    }
}

/// <summary>The request through the decoder filters, in configuration order, then to the router.</summary>
internal sealed class DecodeIteration(HttpFilterChain chain) : FilterIteration(chain, FilterDirection.Decode)
{
    protected override int Count => Chain.DecoderCount;

    protected override int FilterOf(int position) => Chain.DecoderIndex(position);

    protected override ValueTask<HttpFilterStatus> HeadersAsync(int position, bool endOfStream) =>
        Chain.Decoder(position).DecodeHeadersAsync(Chain.RequestHeaders, endOfStream);

    protected override ValueTask<HttpFilterStatus> DataAsync(int position, HttpBody body, bool endOfStream) =>
        Chain.Decoder(position).DecodeDataAsync(body, endOfStream);

    protected override ValueTask<HttpFilterStatus> TrailersAsync(int position) =>
        Chain.Decoder(position).DecodeTrailersAsync(Chain.RequestTrailers);

    protected override ValueTask<bool> SinkHeadersAsync(bool endOfStream, int wholeBodyLength) => Chain.Sink.RequestHeadersAsync(endOfStream, wholeBodyLength);

    protected override ValueTask<bool> SinkDataAsync(HttpBody body, bool endOfStream) => Chain.Sink.RequestDataAsync(body, endOfStream);

    protected override ValueTask<bool> SinkTrailersAsync() => Chain.Sink.RequestTrailersAsync();
}

/// <summary>The response through the encoder filters, in reverse configuration order, then to the client.</summary>
internal sealed class EncodeIteration(HttpFilterChain chain) : FilterIteration(chain, FilterDirection.Encode)
{
    protected override int Count => Chain.EncoderCount;

    protected override int FilterOf(int position) => Chain.EncoderIndex(position);

    protected override ValueTask<HttpFilterStatus> HeadersAsync(int position, bool endOfStream) =>
        Chain.Encoder(position).EncodeHeadersAsync(Chain.ResponseHeaders, endOfStream);

    protected override ValueTask<HttpFilterStatus> DataAsync(int position, HttpBody body, bool endOfStream) =>
        Chain.Encoder(position).EncodeDataAsync(body, endOfStream);

    protected override ValueTask<HttpFilterStatus> TrailersAsync(int position) =>
        Chain.Encoder(position).EncodeTrailersAsync(Chain.ResponseTrailers);

    protected override ValueTask<bool> SinkHeadersAsync(bool endOfStream, int wholeBodyLength) => Chain.Sink.ResponseHeadersAsync(endOfStream, wholeBodyLength);

    protected override ValueTask<bool> SinkDataAsync(HttpBody body, bool endOfStream) => Chain.Sink.ResponseDataAsync(body, endOfStream);

    protected override ValueTask<bool> SinkTrailersAsync() => Chain.Sink.ResponseTrailersAsync();
}
