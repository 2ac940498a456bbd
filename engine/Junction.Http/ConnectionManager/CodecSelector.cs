using Junction.Http.Http2;
using Junction.Network;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// <c>codec_type: AUTO</c> on cleartext connections: the first bytes decide. A connection that opens with
/// the HTTP/2 preface (prior knowledge, as <c>curl --http2-prior-knowledge</c> and gRPC clients do) is
/// HTTP/2; anything else is HTTP/1.1. The chosen connection manager then gets every call.
/// </summary>
internal sealed class CodecSelector(HttpConnectionManagerProvider provider) : INetworkReadFilter
{
    private IReadFilterCallbacks _callbacks = null!;
    private INetworkReadFilter? _chosen;

    public void Initialize(IReadFilterCallbacks callbacks) => _callbacks = callbacks;

    // The chosen manager's own start (stats, timers) runs when the first bytes have decided.
    public ValueTask<FilterStatus> OnNewConnectionAsync() => ValueTask.FromResult(FilterStatus.Continue);

    public async ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream)
    {
        if (_chosen is null)
        {
            var match = Http2Preface.Match(data.Buffer);
            if (match == Http2PrefaceMatch.NeedMore && !endOfStream) return FilterStatus.StopIteration;
            _chosen = match == Http2PrefaceMatch.Matches ? new Http2.Http2ServerConnection(provider) : new Http1ServerConnection(provider);
            _chosen.Initialize(_callbacks);
            await _chosen.OnNewConnectionAsync().ConfigureAwait(false);
        }
        return await _chosen.OnDataAsync(data, endOfStream).ConfigureAwait(false);
    }
}
