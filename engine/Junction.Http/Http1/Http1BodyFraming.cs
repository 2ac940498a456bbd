namespace Junction.Http.Http1;

/// <summary>The framing decided for one message by <see cref="Http1Framing"/>.</summary>
/// <param name="Kind">How the body ends.</param>
/// <param name="ContentLength">The body length when <paramref name="Kind"/> is <see cref="Http1BodyKind.ContentLength"/>, else 0.</param>
/// <param name="RejectReason">Why the message is refused when <paramref name="Kind"/> is <see cref="Http1BodyKind.Reject"/>, else None.</param>
internal readonly record struct Http1BodyFraming(Http1BodyKind Kind, long ContentLength, Http1RejectReason RejectReason)
{
    public static Http1BodyFraming None => new(Http1BodyKind.None, 0, Http1RejectReason.None);

    public static Http1BodyFraming Chunked => new(Http1BodyKind.Chunked, 0, Http1RejectReason.None);

    public static Http1BodyFraming CloseDelimited => new(Http1BodyKind.CloseDelimited, 0, Http1RejectReason.None);

    public static Http1BodyFraming Tunnel => new(Http1BodyKind.Tunnel, 0, Http1RejectReason.None);

    public static Http1BodyFraming OfLength(long length) => new(Http1BodyKind.ContentLength, length, Http1RejectReason.None);

    public static Http1BodyFraming Reject(Http1RejectReason reason) => new(Http1BodyKind.Reject, 0, reason);
}
