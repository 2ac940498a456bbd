namespace Junction.Http.Http1;

/// <summary>
/// Decides how a message body is framed (RFC 9112 §6.3) from the facts of its header section.
/// Pure functions: no state, no strings. A proxy must frame exactly as the next hop will, or one
/// side reads a body as the start of another message (request smuggling); so where the RFC lets a
/// recipient guess, these reject.
/// </summary>
internal static class Http1Framing
{
    /// <summary>
    /// The framing of a request.
    /// <list type="bullet">
    /// <item>Transfer-Encoding in HTTP/1.0 → reject (RFC 9112 §6.1: faulty framing).</item>
    /// <item>Content-Length and Transfer-Encoding together → reject (§6.1 allows processing with
    /// Transfer-Encoding, but a request carrying both is the classic smuggling probe; Envoy rejects).</item>
    /// <item>Transfer-Encoding exactly <c>chunked</c> → chunked. Chunked last after other codings →
    /// <see cref="Http1RejectReason.UnsupportedTransferEncoding"/> (501, §6.1: codings the server
    /// does not understand). Chunked absent, not last, or twice, or an empty list → reject with 400 (§6.3).</item>
    /// <item>Content-Length valid (folded duplicates allowed) → that length; invalid or conflicting → reject.</item>
    /// <item>Neither → no body (§6.3 rule 7).</item>
    /// </list>
    /// </summary>
    public static Http1BodyFraming ForRequest(in Http1FramingFacts facts, Http1Version version)
    {
        if (facts.HasTransferEncoding)
        {
            if (version == Http1Version.Http10) return Http1BodyFraming.Reject(Http1RejectReason.TransferEncodingInHttp10);
            if (facts.HasContentLength) return Http1BodyFraming.Reject(Http1RejectReason.ContentLengthWithTransferEncoding);
            return ChunkedOrReject(facts) ?? Http1BodyFraming.Reject(Http1RejectReason.InvalidTransferEncoding);
        }
        return ByContentLength(facts) ?? Http1BodyFraming.None;
    }

    /// <summary>
    /// The framing of a response to a request with <paramref name="requestMethod"/>.
    /// <list type="bullet">
    /// <item>Answer to HEAD, 1xx, 204, 304 → no body, whatever the fields say (§6.3 rule 1).</item>
    /// <item>2xx answer to CONNECT → tunnel (rule 2).</item>
    /// <item>Transfer-Encoding in HTTP/1.0 → reject (§6.1).</item>
    /// <item>Content-Length and Transfer-Encoding together → reject. The RFC says Transfer-Encoding
    /// wins, but a proxy that forwards such a response hands the ambiguity downstream, so it is
    /// treated as a malformed upstream response (502).</item>
    /// <item>Transfer-Encoding exactly <c>chunked</c> → chunked; chunked last after other codings →
    /// reject (the proxy would have to forward the other codings' framing); chunked twice or an
    /// empty list → reject; chunked absent or not last → until close (rule 4).</item>
    /// <item>Content-Length valid → that length; invalid or conflicting → reject (rule 5).</item>
    /// <item>Neither → until close (rule 8).</item>
    /// </list>
    /// </summary>
    public static Http1BodyFraming ForResponse(in Http1FramingFacts facts, Http1Version version, int statusCode, Http1Method requestMethod)
    {
        if (requestMethod == Http1Method.Head || statusCode < 200 || statusCode is 204 or 304) return Http1BodyFraming.None;
        if (requestMethod == Http1Method.Connect && statusCode < 300) return Http1BodyFraming.Tunnel;

        if (facts.HasTransferEncoding)
        {
            if (version == Http1Version.Http10) return Http1BodyFraming.Reject(Http1RejectReason.TransferEncodingInHttp10);
            if (facts.HasContentLength) return Http1BodyFraming.Reject(Http1RejectReason.ContentLengthWithTransferEncoding);
            return ChunkedOrReject(facts) ?? Http1BodyFraming.CloseDelimited;
        }
        return ByContentLength(facts) ?? Http1BodyFraming.CloseDelimited;
    }

    // Chunked, a rejection, or null when chunked is absent or not the final coding (which requests
    // reject and responses read until close).
    private static Http1BodyFraming? ChunkedOrReject(in Http1FramingFacts facts)
    {
        if (facts.CodingCount == 0 || facts.ChunkedCount > 1)
        {
            return Http1BodyFraming.Reject(Http1RejectReason.InvalidTransferEncoding);
        }
        if (!facts.LastCodingIsChunked) return null;
        return facts.CodingCount == 1
            ? Http1BodyFraming.Chunked
            : Http1BodyFraming.Reject(Http1RejectReason.UnsupportedTransferEncoding);
    }

    private static Http1BodyFraming? ByContentLength(in Http1FramingFacts facts)
    {
        if (!facts.HasContentLength) return null;
        return facts.ContentLengthError != Http1RejectReason.None
            ? Http1BodyFraming.Reject(facts.ContentLengthError)
            : Http1BodyFraming.OfLength(facts.ContentLength);
    }
}
