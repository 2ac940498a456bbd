using Junction.HttpFilters;

namespace Junction.Filters.Buffer;

/// <summary>
/// One request's buffer filter: holds the headers and body (<see cref="HttpFilterStatus.StopAndBuffer"/>)
/// until the body is complete, then lets the whole request go on at once.
/// </summary>
internal sealed class BufferFilter(BufferSettings settings) : IHttpDecoderFilter
{
    private IHttpFilterCallbacks _callbacks = null!;
    private long _max;

    public void Initialize(IHttpFilterCallbacks callbacks) => _callbacks = callbacks;

    public ValueTask<HttpFilterStatus> DecodeHeadersAsync(IHttpRequestHeaders headers, bool endOfStream)
    {
        // The route's setting wins over the filter's own.
        var effective = _callbacks.RouteConfig<BufferSettings>() ?? settings;
        _max = effective.MaxRequestBytes;
        if (endOfStream || _max < 0) return ValueTask.FromResult(HttpFilterStatus.Continue);
        return ValueTask.FromResult(HttpFilterStatus.StopAndBuffer);
    }

    public ValueTask<HttpFilterStatus> DecodeDataAsync(HttpBody body, bool endOfStream)
    {
        if (_max < 0) return ValueTask.FromResult(HttpFilterStatus.Continue);
        if (body.Length > _max)
        {
            _callbacks.SendLocalReply(413, "Payload Too Large", "request_payload_too_large");
            return ValueTask.FromResult(HttpFilterStatus.StopIteration);
        }
        return ValueTask.FromResult(endOfStream ? HttpFilterStatus.Continue : HttpFilterStatus.StopAndBuffer);
    }
}
