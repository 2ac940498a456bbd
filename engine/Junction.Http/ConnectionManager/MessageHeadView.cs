using Junction.Http.Routing;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// A <see cref="MessageHead"/> as <see cref="IRouteRequest"/>, so the route's <see cref="HeaderMatcher"/>
/// can judge a request (<c>retriable_request_headers</c>) or a response (<c>retriable_headers</c>,
/// where the pseudo-header <c>:status</c> is the response's status).
/// </summary>
internal readonly struct MessageHeadView(MessageHead head) : IRouteRequest
{
    // ":status" values as bytes, made on first use (the span handed out must outlive the call).
    private static readonly byte[]?[] s_statusBytes = new byte[]?[1000];

    public ReadOnlySpan<byte> Method => head.MethodBytes;

    public ReadOnlySpan<byte> Authority => head.Find(Http1.KnownHeader.Host) is var i and >= 0 ? head.Value(i) : default;

    public ReadOnlySpan<byte> Path => head.Target.IndexOf((byte)'?') is var q and >= 0 ? head.Target[..q] : head.Target;

    public ReadOnlySpan<byte> Query => head.Target.IndexOf((byte)'?') is var q and >= 0 ? head.Target[(q + 1)..] : default;

    public bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, out ReadOnlySpan<byte> value)
    {
        if (lowerCaseName.SequenceEqual(":status"u8) && head.StatusCode is > 0 and < 1000)
        {
            value = s_statusBytes[head.StatusCode] ??= System.Text.Encoding.ASCII.GetBytes(head.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
        var index = head.Find(lowerCaseName);
        value = index < 0 ? default : head.Value(index);
        return index >= 0;
    }
}
