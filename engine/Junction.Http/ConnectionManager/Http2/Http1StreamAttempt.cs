using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Junction.Http.Http1;
using Junction.Http.Upstream;
using Junction.HttpFilters;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>
/// An HTTP/2 stream's request sent as HTTP/1.1 on a connection from the host's pool: the request gets
/// Content-Length framing when its length is known, chunked (with the trailers) when not; the response
/// is read by its HTTP/1.1 framing and handed on in pieces, de-chunked.
/// </summary>
/// <remarks>
/// The request side writes the body while the response side may give the attempt up: writes into the
/// connection's output and its release to the pool are kept apart (<see cref="_gate"/>), since a pipe
/// writer must not be written while it is completed and its memory returned.
/// </remarks>
internal sealed class Http1StreamAttempt(IUpstreamHost host, Http1ConnectionPool pool, Http1UpstreamConnection connection, CancellationToken exchange)
    : StreamAttempt(host, exchange)
{
    private readonly Lock _gate = new();
    private int _writers;
    private bool _abandoned;
    private TaskCompletionSource? _writersGone;
    private Http1BodyFraming _requestFraming;
    private Http1BodyFraming _responseFraming;
    private long _responseRemaining;
    // Where ConsumeBodyAsync advances the input to (null: the piece was copied and the input advanced already).
    private SequencePosition? _consumedTo;
    private HttpBody? _chunkPiece;
    private MessageHead? _trailers;
    private bool _responseComplete;
    private bool _released;

    public override MessageHead Response => connection.Response;

    public override MessageHead? ResponseTrailers => _trailers is { FieldCount: > 0 } ? _trailers : null;

    public override EndPoint? LocalAddress => connection.Upstream.Connection.LocalEndPoint;

    private PipeWriter Output => connection.Output;

    public override ValueTask SendHeadAsync(MessageHead request, ref RouteOutcome route, HttpConnectionManagerProvider provider, EndPoint? remote, long contentLength, bool hasBody)
    {
        _requestFraming = contentLength >= 0 ? Http1BodyFraming.OfLength(contentLength) : hasBody ? Http1BodyFraming.Chunked : Http1BodyFraming.None;
        BeginWrite();
        UpstreamRequestHead.Write(Output, request, ref route, provider, remote, _requestFraming, isUpgrade: false, "http"u8);
        connection.Requests++;
        return FlushAsync();
    }

    public override ValueTask SendBodyAsync(ReadOnlySequence<byte> data, bool endStream)
    {
        var chunked = _requestFraming.Kind == Http1BodyKind.Chunked;
        BeginWrite();
        Output.WriteBodyPiece(data, chunked);
        if (endStream && chunked) Output.Write("0\r\n\r\n"u8);
        return FlushAsync();
    }

    public override ValueTask SendTrailersAsync(MessageHead trailers)
    {
        BeginWrite();
        // Content-Length framing has no place for trailers: HTTP/1.1 then drops them (RFC 9110 §6.5.1).
        if (_requestFraming.Kind == Http1BodyKind.Chunked)
        {
            Output.Write("0\r\n"u8);
            for (var i = 0; i < trailers.FieldCount; i++)
            {
                ref var field = ref trailers.Field(i);
                if (field.Dropped || MessageHead.IsProxyOwned(field.Known) || field.Known == KnownHeader.Host) continue;
                Output.WriteField(trailers.Name(i), trailers.Value(i));
            }
            Output.Write("\r\n"u8);
        }
        return FlushAsync();
    }

    /// <summary>A write starts (it ends with <see cref="FlushAsync"/>); refused once the attempt was given up.</summary>
    private void BeginWrite()
    {
        lock (_gate)
        {
            if (_abandoned) throw new IOException("the attempt was given up");
            _writers++;
        }
    }

    private async ValueTask FlushAsync()
    {
        try
        {
            var flush = await Output.FlushAsync(Dropped).ConfigureAwait(false);
            if (flush.IsCompleted) throw new IOException("the upstream stopped reading the request");
        }
        finally
        {
            lock (_gate)
            {
                if (--_writers == 0) _writersGone?.TrySetResult();
            }
        }
    }

    public override async ValueTask<bool> ReadHeadAsync(CancellationToken token)
    {
        var head = connection.Response;
        var input = connection.Input;
        var statusLineDone = false;
        head.Reset();
        while (true)
        {
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var done = Http1ServerConnection.ParseResponseHead(buffer, connection.Parser, head, ref statusLineDone, out var consumed);
            input.AdvanceTo(buffer.GetPosition(consumed), done ? buffer.GetPosition(consumed) : buffer.End);
            if (done)
            {
                // Interim responses (100 Continue, 103) are not relayed: the final head follows.
                if (head.StatusCode is >= 100 and < 200)
                {
                    head.Reset();
                    statusLineDone = false;
                    continue;
                }
                return true;
            }
            if (result.IsCompleted) return false;
        }
    }

    public override bool AcceptResponse(Http1Method method, out long contentLength, out bool hasBody)
    {
        var head = connection.Response;
        _responseFraming = Http1Framing.ForResponse(in head.Framing, head.Version, head.StatusCode, method);
        _responseRemaining = _responseFraming.ContentLength;
        hasBody = _responseFraming.Kind != Http1BodyKind.None;
        contentLength = _responseFraming.Kind == Http1BodyKind.ContentLength ? _responseFraming.ContentLength
            : !hasBody && head.Framing.HasContentLength && head.Framing.ContentLengthError == Http1RejectReason.None ? head.Framing.ContentLength
            : -1;
        if (!hasBody) _responseComplete = true;
        return _responseFraming.Kind is not (Http1BodyKind.Reject or Http1BodyKind.Tunnel);
    }

    public override async ValueTask<ResponsePiece> ReadBodyAsync(CancellationToken token)
    {
        var input = connection.Input;
        var read = await input.ReadAsync(token).ConfigureAwait(false);
        var buffer = read.Buffer;
        ReadOnlySequence<byte> data;
        bool complete;
        switch (_responseFraming.Kind)
        {
            case Http1BodyKind.ContentLength:
                var take = Math.Min(_responseRemaining, buffer.Length);
                _responseRemaining -= take;
                complete = _responseRemaining == 0;
                data = buffer.Slice(0, take);
                _consumedTo = data.End;
                break;
            case Http1BodyKind.Chunked:
                if (_chunkPiece is null)
                {
                    _chunkPiece = new HttpBody();
                    _trailers = new MessageHead();
                    connection.Chunked.Reset();
                }
                _chunkPiece.Clear();
                complete = ChunkedBodyReader.DecodeInto(buffer, connection.Chunked, _chunkPiece, _trailers!, out var consumed);
                input.AdvanceTo(buffer.GetPosition(consumed), complete ? buffer.GetPosition(consumed) : buffer.End);
                data = new ReadOnlySequence<byte>(_chunkPiece.Memory);
                _consumedTo = null;
                break;
            default:
                complete = read.IsCompleted;
                data = buffer;
                _consumedTo = buffer.End;
                break;
        }
        if (complete) _responseComplete = true;
        return new ResponsePiece(data, complete, Truncated: !complete && read.IsCompleted);
    }

    public override ValueTask ConsumeBodyAsync()
    {
        if (_consumedTo is { } position) connection.Input.AdvanceTo(position);
        _consumedTo = null;
        return ValueTask.CompletedTask;
    }

    public override ValueTask CompleteAsync(bool requestComplete)
    {
        var head = connection.Response;
        var reusable = requestComplete && _responseComplete && !head.WantsClose && _responseFraming.Kind != Http1BodyKind.CloseDelimited;
        return ReleaseAsync(reusable);
    }

    protected override async ValueTask AbandonAsync()
    {
        Task? writing = null;
        lock (_gate)
        {
            _abandoned = true;
            if (_writers > 0) writing = (_writersGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        // A write under way ends soon: its flush sees the attempt dropped (Dropped was cancelled first).
        if (writing is not null) await writing.ConfigureAwait(false);
        await ReleaseAsync(reusable: false).ConfigureAwait(false);
    }

    private async ValueTask ReleaseAsync(bool reusable)
    {
        if (_released) return;
        _released = true;
        _chunkPiece?.Dispose();
        if (!reusable) connection.Abort();
        await pool.ReleaseAsync(connection, reusable).ConfigureAwait(false);
    }
}
