using Junction.HttpFilters;

namespace Junction.Http.ConnectionManager.Filters;

/// <summary>How far one direction of a stream got through its filters.</summary>
internal enum FilterChainResult : byte
{
    /// <summary>Everything given reached the end of the chain (the router, or the client).</summary>
    Passed,

    /// <summary>A filter holds it (<see cref="HttpFilterStatus.StopAndBuffer"/>) and waits for more of the body.</summary>
    Held,

    /// <summary>A filter asked for a local reply; the caller sends it.</summary>
    LocalReply,

    /// <summary>A held body outgrew the buffer limit: 413 for a request, 500 for a response.</summary>
    Overflow,

    /// <summary>The end of the chain ended the stream itself (an upstream failure it already answered).</summary>
    Ended,
}

/// <summary>
/// Walks one direction of a stream (request through decoder filters, or response through encoder
/// filters) and remembers where it stopped. Two cursors say it all: the position the headers have
/// reached (later filters have not seen them), and the position holding a buffered body. Data never
/// passes the headers: a filter that holds the headers with <see cref="HttpFilterStatus.StopAndBuffer"/>
/// holds the body too, and releases both when one of its data callbacks returns Continue.
/// </summary>
internal abstract class FilterIteration(HttpFilterChain chain, FilterDirection direction)
{
    private readonly HttpBody _piece = new();
    private readonly HttpBody _held = new();
    private int _headersAt;
    private int _bufferAt = -1;
    private bool _endOfStream;

    protected HttpFilterChain Chain { get; } = chain;

    /// <summary>How many filters this direction has.</summary>
    protected abstract int Count { get; }

    public void Reset()
    {
        _piece.Clear();
        _held.Clear();
        _headersAt = 0;
        _bufferAt = -1;
        _endOfStream = false;
    }

    /// <summary>Returns the body buffers to the pool (the connection is done).</summary>
    public void Release()
    {
        _piece.Dispose();
        _held.Dispose();
    }

    /// <summary>The headers arrived; <paramref name="endOfStream"/> when there is no body.</summary>
    public ValueTask<FilterChainResult> HeadersAsync(bool endOfStream)
    {
        _endOfStream = endOfStream;
        return RunHeadersFromAsync(0, endOfStream, endOfStream ? 0 : -1);
    }

    /// <summary>Where the caller puts the next piece of the body before <see cref="DataAsync"/> (filters may change it).</summary>
    public HttpBody Piece => _piece;

    /// <summary>The piece of the body in <see cref="Piece"/> arrived.</summary>
    public ValueTask<FilterChainResult> DataAsync(bool endOfStream)
    {
        _endOfStream = endOfStream;
        return RunDataFromAsync(0, _piece, endOfStream);
    }

    /// <summary>Trailers arrived: they end the body, so a held body goes on first.</summary>
    public async ValueTask<FilterChainResult> TrailersAsync()
    {
        _endOfStream = true;
        if (_bufferAt >= 0)
        {
            var position = _bufferAt;
            _bufferAt = -1;
            var released = await ContinueFromAsync(position, _held, endOfStream: false).ConfigureAwait(false);
            if (released != FilterChainResult.Passed) return released;
        }
        for (var i = 0; i < Count; i++)
        {
            var status = await CallTrailersAsync(i).ConfigureAwait(false);
            if (!await Chain.ResolveAsync(status, direction, FilterOf(i)).ConfigureAwait(false)) return FilterChainResult.LocalReply;
        }
        return await SinkTrailersAsync().ConfigureAwait(false) ? FilterChainResult.Passed : FilterChainResult.Ended;
    }

    private async ValueTask<FilterChainResult> RunHeadersFromAsync(int start, bool headersEnd, int wholeBodyLength)
    {
        for (var i = start; i < Count; i++)
        {
            var status = await CallHeadersAsync(i, headersEnd).ConfigureAwait(false);
            if (status == HttpFilterStatus.StopAndBuffer && !_endOfStream && !Chain.LocalReplyRequested)
            {
                _headersAt = i;
                _bufferAt = i;
                return FilterChainResult.Held;
            }
            if (!await Chain.ResolveAsync(status, direction, FilterOf(i)).ConfigureAwait(false)) return FilterChainResult.LocalReply;
        }
        _headersAt = Count;
        return await SinkHeadersAsync(headersEnd, wholeBodyLength).ConfigureAwait(false) ? FilterChainResult.Passed : FilterChainResult.Ended;
    }

    private async ValueTask<FilterChainResult> RunDataFromAsync(int start, HttpBody body, bool endOfStream)
    {
        for (var i = start; i < Count; i++)
        {
            if (i == _bufferAt && !ReferenceEquals(body, _held))
            {
                if (!Hold(body)) return FilterChainResult.Overflow;
                body = _held;
            }
            var status = await CallDataAsync(i, body, endOfStream).ConfigureAwait(false);
            // Once trailers have come (_endOfStream), nothing more will: holding again would hang.
            if (status == HttpFilterStatus.StopAndBuffer && !endOfStream && !_endOfStream && !Chain.LocalReplyRequested)
            {
                if (!ReferenceEquals(body, _held) && !Hold(body)) return FilterChainResult.Overflow;
                _bufferAt = i;
                return FilterChainResult.Held;
            }
            if (!await Chain.ResolveAsync(status, direction, FilterOf(i)).ConfigureAwait(false)) return FilterChainResult.LocalReply;
            if (i == _bufferAt) _bufferAt = -1;
            if (_headersAt == i) return await ContinueFromAsync(i, body, endOfStream).ConfigureAwait(false);
        }
        var ok = await SinkDataAsync(body, endOfStream).ConfigureAwait(false);
        if (ReferenceEquals(body, _held)) _held.Clear();
        return ok ? FilterChainResult.Passed : FilterChainResult.Ended;
    }

    /// <summary>
    /// The filter at <paramref name="position"/> let go of what it held: its headers go on to the later
    /// filters (with the whole body's length when this is all of it), then the body follows them.
    /// </summary>
    private async ValueTask<FilterChainResult> ContinueFromAsync(int position, HttpBody body, bool endOfStream)
    {
        if (_headersAt == position)
        {
            var headers = await RunHeadersFromAsync(position + 1, headersEnd: false, endOfStream ? body.Length : -1).ConfigureAwait(false);
            if (headers is not FilterChainResult.Passed and not FilterChainResult.Held) return headers;
        }
        return await RunDataFromAsync(position + 1, body, endOfStream).ConfigureAwait(false);
    }

    private bool Hold(HttpBody body)
    {
        _held.Append(body.Span);
        return _held.Length <= Chain.BufferLimit;
    }

    private ValueTask<HttpFilterStatus> CallHeadersAsync(int position, bool endOfStream)
    {
        Chain.BeforeCall(direction);
        return HeadersAsync(position, endOfStream);
    }

    private ValueTask<HttpFilterStatus> CallDataAsync(int position, HttpBody body, bool endOfStream)
    {
        Chain.BeforeCall(direction);
        return DataAsync(position, body, endOfStream);
    }

    private ValueTask<HttpFilterStatus> CallTrailersAsync(int position)
    {
        Chain.BeforeCall(direction);
        return TrailersAsync(position);
    }

    /// <summary>The index (in configuration order) of the filter at <paramref name="position"/> of this direction.</summary>
    protected abstract int FilterOf(int position);

    protected abstract ValueTask<HttpFilterStatus> HeadersAsync(int position, bool endOfStream);

    protected abstract ValueTask<HttpFilterStatus> DataAsync(int position, HttpBody body, bool endOfStream);

    protected abstract ValueTask<HttpFilterStatus> TrailersAsync(int position);

    protected abstract ValueTask<bool> SinkHeadersAsync(bool endOfStream, int wholeBodyLength);

    protected abstract ValueTask<bool> SinkDataAsync(HttpBody body, bool endOfStream);

    protected abstract ValueTask<bool> SinkTrailersAsync();
}
