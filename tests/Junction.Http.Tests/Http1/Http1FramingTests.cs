using Junction.Http.Http1;
using static Junction.Http.Tests.Http1.TestSequences;

namespace Junction.Http.Tests.Http1;

public sealed class Http1FramingTests
{
    [Theory]
    [InlineData("1.1", "", "none")]
    [InlineData("1.1", "Content-Length: 5", "length 5")]
    [InlineData("1.1", "Content-Length: 0", "length 0")]
    [InlineData("1.1", "Content-Length: 007", "length 7")]
    [InlineData("1.1", "Content-Length: 9223372036854775807", "length 9223372036854775807")]
    [InlineData("1.1", "Content-Length: 5, 5", "length 5")]
    [InlineData("1.1", "Content-Length: 5\nContent-Length: 5", "length 5")]
    [InlineData("1.1", "Content-Length: 5, 6", "reject ConflictingContentLength")]
    [InlineData("1.1", "Content-Length: 5\ncontent-length: 6", "reject ConflictingContentLength")]
    [InlineData("1.1", "Content-Length: +5", "reject InvalidContentLength")]
    [InlineData("1.1", "Content-Length: -1", "reject InvalidContentLength")]
    [InlineData("1.1", "Content-Length: 5 5", "reject InvalidContentLength")]
    [InlineData("1.1", "Content-Length: ", "reject InvalidContentLength")]
    [InlineData("1.1", "Content-Length: 5,", "reject InvalidContentLength")]
    [InlineData("1.1", "Content-Length: 0x10", "reject InvalidContentLength")]
    [InlineData("1.1", "Content-Length: 1e3", "reject InvalidContentLength")]
    [InlineData("1.1", "Content-Length: 9223372036854775808", "reject InvalidContentLength")]
    [InlineData("1.1", "Content-Length: 99999999999999999999999", "reject InvalidContentLength")]
    [InlineData("1.1", "Transfer-Encoding: chunked", "chunked")]
    [InlineData("1.1", "transfer-encoding: CHUNKED", "chunked")]
    [InlineData("1.1", "Transfer-Encoding: chunked,", "chunked")]
    [InlineData("1.1", "Transfer-Encoding: , chunked", "chunked")]
    [InlineData("1.1", "Transfer-Encoding: chunked\nContent-Length: 5", "reject ContentLengthWithTransferEncoding")]
    [InlineData("1.1", "Content-Length: 5\nTransfer-Encoding: chunked", "reject ContentLengthWithTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: gzip, chunked", "reject UnsupportedTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: gzip\nTransfer-Encoding: chunked", "reject UnsupportedTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: chunked, gzip", "reject InvalidTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: gzip", "reject InvalidTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: identity", "reject InvalidTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: chunked;q=1", "reject InvalidTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: chunked, chunked", "reject InvalidTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: chunked\nTransfer-Encoding: chunked", "reject InvalidTransferEncoding")]
    [InlineData("1.1", "Transfer-Encoding: ", "reject InvalidTransferEncoding")]
    [InlineData("1.0", "Transfer-Encoding: chunked", "reject TransferEncodingInHttp10")]
    [InlineData("1.0", "Content-Length: 5", "length 5")]
    [InlineData("1.0", "", "none")]
    public void RequestFraming(string version, string headers, string expected) =>
        Assert.Equal(expected, Describe(Http1Framing.ForRequest(Facts(headers), Version(version))));

    [Theory]
    [InlineData("1.1", 200, "GET", "", "close")]
    [InlineData("1.0", 200, "GET", "", "close")]
    [InlineData("1.1", 200, "GET", "Content-Length: 5", "length 5")]
    [InlineData("1.1", 200, "GET", "Content-Length: 5, 5", "length 5")]
    [InlineData("1.1", 200, "GET", "Content-Length: 5, 6", "reject ConflictingContentLength")]
    [InlineData("1.1", 200, "GET", "Content-Length: abc", "reject InvalidContentLength")]
    [InlineData("1.1", 200, "HEAD", "Content-Length: 5", "none")]
    [InlineData("1.1", 200, "HEAD", "Transfer-Encoding: chunked", "none")]
    [InlineData("1.1", 100, "GET", "", "none")]
    [InlineData("1.1", 101, "GET", "", "none")]
    [InlineData("1.1", 204, "GET", "Content-Length: 5", "none")]
    [InlineData("1.1", 304, "GET", "Transfer-Encoding: chunked", "none")]
    [InlineData("1.1", 200, "CONNECT", "", "tunnel")]
    [InlineData("1.1", 407, "CONNECT", "Content-Length: 5", "length 5")]
    [InlineData("1.1", 200, "GET", "Transfer-Encoding: chunked", "chunked")]
    [InlineData("1.1", 200, "GET", "Transfer-Encoding: chunked\nContent-Length: 5", "reject ContentLengthWithTransferEncoding")]
    [InlineData("1.1", 200, "GET", "Transfer-Encoding: gzip", "close")]
    [InlineData("1.1", 200, "GET", "Transfer-Encoding: chunked, gzip", "close")]
    [InlineData("1.1", 200, "GET", "Transfer-Encoding: gzip, chunked", "reject UnsupportedTransferEncoding")]
    [InlineData("1.1", 200, "GET", "Transfer-Encoding: chunked, chunked", "reject InvalidTransferEncoding")]
    [InlineData("1.1", 200, "GET", "Transfer-Encoding: ", "reject InvalidTransferEncoding")]
    [InlineData("1.0", 200, "GET", "Transfer-Encoding: chunked", "reject TransferEncodingInHttp10")]
    [InlineData("1.0", 200, "GET", "Content-Length: 5", "length 5")]
    public void ResponseFraming(string version, int status, string requestMethod, string headers, string expected) =>
        Assert.Equal(expected, Describe(Http1Framing.ForResponse(Facts(headers), Version(version), status, Enum.Parse<Http1Method>(requestMethod, ignoreCase: true))));

    private static Http1Version Version(string version) => version == "1.0" ? Http1Version.Http10 : Http1Version.Http11;

    // Feeds "Name: value" lines through the real parser, so names and values arrive as the codec sees them.
    private static Http1FramingFacts Facts(string headers)
    {
        var handler = new FactsHandler();
        var section = string.Concat(headers.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(h => h + "\r\n")) + "\r\n";
        var reader = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(Bytes(section)));
        Assert.True(new Http1Parser(Http1ParserLimits.Default).ParseHeaders(ref reader, ref handler));
        return handler.Facts;
    }

    private static string Describe(Http1BodyFraming framing) => framing.Kind switch
    {
        Http1BodyKind.None => "none",
        Http1BodyKind.ContentLength => $"length {framing.ContentLength}",
        Http1BodyKind.Chunked => "chunked",
        Http1BodyKind.CloseDelimited => "close",
        Http1BodyKind.Tunnel => "tunnel",
        _ => $"reject {framing.RejectReason}",
    };

    private struct FactsHandler : IHttp1HeadersHandler
    {
        public Http1FramingFacts Facts;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Facts.Add(KnownHeaders.Identify(name), value);

        public readonly void OnHeadersComplete() { }
    }
}
