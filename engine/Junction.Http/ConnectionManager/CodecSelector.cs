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

    public ValueTask<FilterStatus> OnDataAsync(NetworkData data, bool endOfStream)
    {
        // Once chosen, calls go straight to the manager. An async frame of our own around them cost a
        // state machine box per proxied request (the manager's call suspends until the response is
        // relayed): about 120 bytes a request, the only allocation left in h1-small's steady state.
        if (_chosen is { } chosen) return chosen.OnDataAsync(data, endOfStream);
        return ChooseAndForwardAsync(data, endOfStream);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(Junction.Threading.PooledValueTaskBuilder<>))]
    private async ValueTask<FilterStatus> ChooseAndForwardAsync(NetworkData data, bool endOfStream)
    {
        var match = Http2Preface.Match(data.Buffer);
        if (match == Http2PrefaceMatch.NeedMore && !endOfStream) return FilterStatus.StopIteration;
        INetworkReadFilter chosen = match == Http2PrefaceMatch.Matches ? new Http2.Http2ServerConnection(provider) : new Http1ServerConnection(provider);
        _chosen = chosen;
        chosen.Initialize(_callbacks);
        await chosen.OnNewConnectionAsync().ConfigureAwait(false);
        return await chosen.OnDataAsync(data, endOfStream).ConfigureAwait(false);
    }
}
