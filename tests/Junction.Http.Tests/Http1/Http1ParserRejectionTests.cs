using System.Buffers;
using Junction.Http.Http1;
using static Junction.Http.Tests.Http1.TestSequences;

namespace Junction.Http.Tests.Http1;

public sealed class Http1ParserRejectionTests
{
    private static readonly Http1ParserLimits SmallLimits = new() { MaxStartLineBytes = 32, MaxHeaderBytes = 40, MaxHeaderCount = 3 };

    [Theory]
    // Line endings.
    [InlineData("GET / HTTP/1.1\n\r\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("GET / HTTP/1.1\r\nHost: a\n\r\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("\nGET / HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("GET / HTTP/1.1\rHost: a\r\n\r\n", nameof(Http1RejectReason.BareCarriageReturn))]
    [InlineData("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", nameof(Http1RejectReason.BareCarriageReturn))]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\rX", nameof(Http1RejectReason.BareCarriageReturn))]
    [InlineData("\rGET / HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.BareCarriageReturn))]
    // Request line.
    [InlineData("GET /  HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidRequestLine))]
    [InlineData("GET  / HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidRequestLine))]
    [InlineData("GET / HTTP/1.1 \r\n\r\n", nameof(Http1RejectReason.InvalidRequestLine))]
    [InlineData("GET /\r\n\r\n", nameof(Http1RejectReason.InvalidRequestLine))]
    [InlineData("GET\r\n\r\n", nameof(Http1RejectReason.InvalidRequestLine))]
    [InlineData(" GET / HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidMethod))]
    [InlineData("GE(T / HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidMethod))]
    [InlineData("GET\t/ HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidMethod))]
    [InlineData("GET  HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidRequestTarget))]
    [InlineData("GET /a b HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidRequestTarget))]
    [InlineData("GET /a\u0000b HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidRequestTarget))]
    [InlineData("GET /a\tb HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidRequestTarget))]
    [InlineData("GET /a\u007fb HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidRequestTarget))]
    [InlineData("GET / HTTP/1.2\r\n\r\n", nameof(Http1RejectReason.InvalidVersion))]
    [InlineData("GET / HTTP/2.0\r\n\r\n", nameof(Http1RejectReason.InvalidVersion))]
    [InlineData("GET / http/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidVersion))]
    [InlineData("GET / HTTP/1.10\r\n\r\n", nameof(Http1RejectReason.InvalidVersion))]
    [InlineData("GET / HTTP/1\r\n\r\n", nameof(Http1RejectReason.InvalidVersion))]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", nameof(Http1RejectReason.Http2Preface))]
    [InlineData("GET /0123456789012345678 HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.RequestLineTooLong))]
    [InlineData("GET /01234567890123456789012345678901234567890123456789", nameof(Http1RejectReason.RequestLineTooLong))]
    // Field lines.
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", nameof(Http1RejectReason.ObsFold))]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n", nameof(Http1RejectReason.ObsFold))]
    [InlineData("GET / HTTP/1.1\r\n Host: a\r\n\r\n", nameof(Http1RejectReason.ObsFold))]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", nameof(Http1RejectReason.WhitespaceInHeaderName))]
    [InlineData("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", nameof(Http1RejectReason.WhitespaceInHeaderName))]
    [InlineData("GET / HTTP/1.1\r\nX Y: a\r\n\r\n", nameof(Http1RejectReason.WhitespaceInHeaderName))]
    [InlineData("GET / HTTP/1.1\r\n: a\r\n\r\n", nameof(Http1RejectReason.EmptyHeaderName))]
    [InlineData("GET / HTTP/1.1\r\nHost a\r\n\r\n", nameof(Http1RejectReason.MissingColon))]
    [InlineData("GET / HTTP/1.1\r\nX(Y): a\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderName))]
    [InlineData("GET / HTTP/1.1\r\nX\u00e9: a\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderName))]
    [InlineData("GET / HTTP/1.1\r\nX\"Y: a\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderName))]
    [InlineData("GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderValue))]
    [InlineData("GET / HTTP/1.1\r\nX: a\u0001b\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderValue))]
    [InlineData("GET / HTTP/1.1\r\nX: a\u001fb\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderValue))]
    [InlineData("GET / HTTP/1.1\r\nX: a\u007f\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderValue))]
    [InlineData("GET / HTTP/1.1\r\nA: 0123456789\r\nB: 0123456789\r\nC: 012345\r\n\r\n", nameof(Http1RejectReason.HeadersTooLarge))]
    [InlineData("GET / HTTP/1.1\r\nA: 0123456789012345678901234567890123456789", nameof(Http1RejectReason.HeadersTooLarge))]
    [InlineData("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", nameof(Http1RejectReason.TooManyHeaders))]
    public void UnsafeRequestIsRejected(string input, string reason) =>
        AssertRejectedInEveryShape(request: true, input, Enum.Parse<Http1RejectReason>(reason));

    [Theory]
    [InlineData("HTTP/1.1 200 OK\n\r\n", nameof(Http1RejectReason.BareLineFeed))]
    [InlineData("HTTP/1.1 200 OK\rX\r\n\r\n", nameof(Http1RejectReason.BareCarriageReturn))]
    [InlineData("HTTP/2 200 OK\r\n\r\n", nameof(Http1RejectReason.InvalidVersion))]
    [InlineData("HTTP/1.2 200 OK\r\n\r\n", nameof(Http1RejectReason.InvalidVersion))]
    [InlineData("HTTP/1.\r\n\r\n", nameof(Http1RejectReason.InvalidVersion))]
    [InlineData("ICY 200 OK\r\n\r\n", nameof(Http1RejectReason.InvalidStatusLine))]
    [InlineData("HTTP/1.1\r\n\r\n", nameof(Http1RejectReason.InvalidStatusLine))]
    [InlineData("HTTP/1.1 20\r\n\r\n", nameof(Http1RejectReason.InvalidStatusLine))]
    [InlineData("HTTP/1.1\t200 OK\r\n\r\n", nameof(Http1RejectReason.InvalidStatusLine))]
    [InlineData("HTTP/1.1 200\tOK\r\n\r\n", nameof(Http1RejectReason.InvalidStatusLine))]
    [InlineData("HTTP/1.1 200 O\u0000K\r\n\r\n", nameof(Http1RejectReason.InvalidStatusLine))]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", nameof(Http1RejectReason.InvalidStatusCode))]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n", nameof(Http1RejectReason.InvalidStatusCode))]
    [InlineData("HTTP/1.1 099 OK\r\n\r\n", nameof(Http1RejectReason.InvalidStatusCode))]
    [InlineData("HTTP/1.1 600 OK\r\n\r\n", nameof(Http1RejectReason.InvalidStatusCode))]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n", nameof(Http1RejectReason.InvalidStatusCode))]
    [InlineData("HTTP/1.1 200 0123456789012345678901234\r\n\r\n", nameof(Http1RejectReason.StatusLineTooLong))]
    [InlineData("HTTP/1.1 200 OK\r\nA\u00e9: b\r\n\r\n", nameof(Http1RejectReason.InvalidHeaderName))]
    [InlineData("HTTP/1.1 200 OK\r\n folded\r\n\r\n", nameof(Http1RejectReason.ObsFold))]
    public void MalformedResponseIsRejected(string input, string reason) =>
        AssertRejectedInEveryShape(request: false, input, Enum.Parse<Http1RejectReason>(reason));

    [Fact]
    public void LimitsAreInclusive()
    {
        // Exactly at each limit parses: a 32-byte request line, 40 bytes of field lines in 3 lines.
        var head = "GET /0123456789012345 HTTP/1.1\r\nA: 012345678901\r\nB: 0123456\r\nC: 012345\r\n\r\n";
        Assert.Equal(32, head.IndexOf('\n') + 1);
        var (events, consumed, complete) = MessageDriver.ParseOnce(request: true, new ReadOnlySequence<byte>(Bytes(head)), SmallLimits);
        Assert.True(complete);
        Assert.Equal(head.Length, consumed);
        Assert.Equal(5, events.Count);
    }

    [Fact]
    public void UnterminatedLineIsRejectedAsSoonAsItCannotFitItsLimit()
    {
        // With a 32-byte limit, 30 bytes may still become a line (CRLF next); 31 cannot. Rejecting at
        // 31 bytes is what bounds the memory a peer can make a connection hold.
        var parser = new Http1Parser(SmallLimits);
        var handler = new RecordingHandler();
        var fits = new SequenceReader<byte>(Sequence("GET /" + new string('a', 25)));
        Assert.False(parser.ParseRequestLine(ref fits, ref handler));
        Assert.Equal(0, fits.Consumed);
        var e = Assert.Throws<Http1ParseException>(() =>
        {
            var tooLong = new SequenceReader<byte>(Sequence("GET /" + new string('a', 26)));
            parser.ParseRequestLine(ref tooLong, ref handler);
        });
        Assert.Equal(Http1RejectReason.RequestLineTooLong, e.Reason);
    }

    [Fact]
    public void RejectionStatusCodesFollowTheRfcs()
    {
        Assert.Equal(400, Http1RejectReason.BareLineFeed.ToStatusCode());
        Assert.Equal(414, Http1RejectReason.RequestLineTooLong.ToStatusCode());
        Assert.Equal(431, Http1RejectReason.HeadersTooLarge.ToStatusCode());
        Assert.Equal(431, Http1RejectReason.TooManyHeaders.ToStatusCode());
        Assert.Equal(505, Http1RejectReason.InvalidVersion.ToStatusCode());
        Assert.Equal(501, Http1RejectReason.UnsupportedTransferEncoding.ToStatusCode());
        Assert.Equal(502, Http1RejectReason.InvalidStatusLine.ToStatusCode());
    }

    /// <summary>
    /// The same reason must come out whether the input arrives whole, split anywhere, or byte by
    /// byte: a rejection that depended on segmentation would make the proxy's behaviour depend on
    /// TCP timing.
    /// </summary>
    private static void AssertRejectedInEveryShape(bool request, string input, Http1RejectReason expected)
    {
        var data = Bytes(input);
        foreach (var (shape, sequence) in AllShapes(data))
        {
            var e = Assert.Throws<Http1ParseException>(() => MessageDriver.ParseOnce(request, sequence, SmallLimits));
            Assert.True(expected == e.Reason, $"{shape}: expected {expected}, got {e.Reason}");
        }

        var driver = new MessageDriver(request, SmallLimits);
        long consumed = 0;
        Http1ParseException? rejection = null;
        for (var available = 0; available <= data.Length && rejection is null; available++)
        {
            var buffer = new ReadOnlySequence<byte>(data, (int)consumed, available - (int)consumed);
            try
            {
                consumed += driver.Step(buffer);
            }
            catch (Http1ParseException e)
            {
                rejection = e;
            }
            Assert.False(driver.IsComplete, "fed byte by byte, the message was accepted");
        }
        Assert.NotNull(rejection);
        Assert.Equal(expected, rejection.Reason);
    }
}
