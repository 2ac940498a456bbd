using System.Buffers;
using Junction.Http.Http1;
using static Junction.Http.Tests.Http1.TestSequences;

namespace Junction.Http.Tests.Http1;

public sealed class Http1ParserTests
{
    // Each case: the message head (start line and header section), and what the parser must report.
    public static TheoryData<string, bool, string, string[]> ValidMessages => new()
    {
        {
            "browser GET with several headers", true,
            "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
            "Accept: text/html,*/*;q=0.8\r\nAccept-Encoding: gzip, br\r\nConnection: keep-alive\r\n\r\n",
            [
                "request Get GET /index.html?q=1 Http11", "[Host] [example.com]", "[User-Agent] [Mozilla/5.0 (X11; Linux x86_64)]",
                "[Accept] [text/html,*/*;q=0.8]", "[Accept-Encoding] [gzip, br]", "[Connection] [keep-alive]", "end",
            ]
        },
        {
            "POST with Content-Length", true,
            "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n",
            ["request Post POST /submit Http11", "[Host] [a]", "[Content-Length] [5]", "[Content-Type] [text/plain]", "end"]
        },
        {
            "chunked PUT", true,
            "PUT /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n",
            ["request Put PUT /upload Http11", "[Host] [a]", "[Transfer-Encoding] [chunked]", "[Trailer] [X-Sum]", "end"]
        },
        {
            "HTTP/1.0 without headers", true,
            "GET / HTTP/1.0\r\n\r\n",
            ["request Get GET / Http10", "end"]
        },
        {
            "values with tabs, obs-text and surrounding whitespace", true,
            "GET / HTTP/1.1\r\nX-Tab:\ta\tb\t\r\nX-Obs: caf\u00e9 \u0080\u00ff\r\nX-Empty:\r\nX-Blank: \t \r\nX-Inner:  a  b  \r\n\r\n",
            ["request Get GET / Http11", "[X-Tab] [a\tb]", "[X-Obs] [caf\u00e9 \u0080\u00ff]", "[X-Empty] []", "[X-Blank] []", "[X-Inner] [a  b]", "end"]
        },
        {
            "long header (longer than the stack copy)", true,
            "GET / HTTP/1.1\r\nCookie: " + new string('c', 3000) + "\r\nHost: a\r\n\r\n",
            ["request Get GET / Http11", "[Cookie] [" + new string('c', 3000) + "]", "[Host] [a]", "end"]
        },
        {
            "empty lines before the request line", true,
            "\r\n\r\nDELETE /x HTTP/1.1\r\n\r\n",
            ["request Delete DELETE /x Http11", "end"]
        },
        {
            "custom method, absolute-form target", true,
            "PURGE http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n",
            ["request Custom PURGE http://example.com/a?b=c Http11", "[Host] [example.com]", "end"]
        },
        {
            "lower-case method is a custom method", true,
            "get / HTTP/1.1\r\n\r\n",
            ["request Custom get / Http11", "end"]
        },
        {
            "CONNECT authority-form and OPTIONS asterisk-form", true,
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            ["request Connect CONNECT example.com:443 Http11", "[Host] [example.com:443]", "end"]
        },
        {
            "OPTIONS asterisk-form", true,
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            ["request Options OPTIONS * Http11", "[Host] [a]", "end"]
        },
        {
            "response 200 with headers", false,
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: x\r\n\r\n",
            ["status Http11 200 [OK]", "[Content-Length] [2]", "[Server] [x]", "end"]
        },
        {
            "response 204", false,
            "HTTP/1.1 204 No Content\r\nDate: Sat, 21 Nov 2026 10:00:00 GMT\r\n\r\n",
            ["status Http11 204 [No Content]", "[Date] [Sat, 21 Nov 2026 10:00:00 GMT]", "end"]
        },
        {
            "HTTP/1.0 response with obs-text reason", false,
            "HTTP/1.0 404 Nicht gef\u00fcnden\r\n\r\n",
            ["status Http10 404 [Nicht gef\u00fcnden]", "end"]
        },
        {
            "response with empty reason", false,
            "HTTP/1.1 500 \r\n\r\n",
            ["status Http11 500 []", "end"]
        },
        {
            "response without the SP before an empty reason (tolerated)", false,
            "HTTP/1.1 200\r\nA: b\r\n\r\n",
            ["status Http11 200 []", "[A] [b]", "end"]
        },
    };

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void ValidMessageParsesTheSameInEverySegmentShape(string name, bool request, string head, string[] expected)
    {
        _ = name;
        // The bytes after the head belong to the body or the next message: never consumed here.
        var data = Bytes(head + "NEXT MESSAGE\r\n");
        foreach (var (shape, sequence) in AllShapes(data))
        {
            var (events, consumed, complete) = MessageDriver.ParseOnce(request, sequence);
            Assert.True(complete, shape);
            Assert.Equal(expected, events);
            Assert.Equal(head.Length, consumed);
        }
    }

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void ValidMessageFedByteByByteConsumesOnlyCompleteLines(string name, bool request, string head, string[] expected)
    {
        _ = name;
        var data = Bytes(head);
        var driver = new MessageDriver(request);
        long consumed = 0;
        for (var available = 0; available <= data.Length; available++)
        {
            consumed += driver.Step(new ReadOnlySequence<byte>(data, (int)consumed, available - (int)consumed));
            Assert.Equal(expected.Take(driver.Events.Count), driver.Events);
            if (driver.IsComplete)
            {
                Assert.Equal(data.Length, available);
                break;
            }
            // Incomplete: everything up to the last complete line is consumed, nothing after it.
            Assert.True(consumed == 0 || data[consumed - 1] == '\n', $"consumed {consumed} of {available} ends inside a line");
            Assert.DoesNotContain((byte)'\n', data[(int)consumed..available]);
        }
        Assert.True(driver.IsComplete);
        Assert.Equal(expected, driver.Events);
        Assert.Equal(data.Length, consumed);
    }

    [Fact]
    public void ParserIsReadyForTheNextMessageAfterAHeaderSection()
    {
        var parser = new Http1Parser(new Http1ParserLimits { MaxHeaderCount = 2 });
        var handler = new RecordingHandler();
        var reader = new SequenceReader<byte>(Sequence("GET /1 HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\nGET /2 HTTP/1.1\r\nC: 3\r\nD: 4\r\n\r\n"));
        for (var i = 0; i < 2; i++)
        {
            Assert.True(parser.ParseRequestLine(ref reader, ref handler));
            // The second section would exceed the count limit if the first one's lines still counted.
            Assert.True(parser.ParseHeaders(ref reader, ref handler));
        }
        Assert.True(reader.End);
        Assert.Equal(["request Get GET /1 Http11", "[A] [1]", "[B] [2]", "end", "request Get GET /2 Http11", "[C] [3]", "[D] [4]", "end"], handler.Events);
    }

    [Fact]
    public void HeaderLimitsCountWhatArrivedInEarlierCalls()
    {
        var limits = new Http1ParserLimits { MaxHeaderBytes = 20 };
        var parser = new Http1Parser(limits);
        var handler = new RecordingHandler();
        var first = new SequenceReader<byte>(Sequence("A: 123456789\r\n"));
        Assert.False(parser.ParseHeaders(ref first, ref handler));
        Assert.Equal(14, first.Consumed);
        // 14 bytes used; the next line needs 9 more, 3 over the limit.
        var e = Assert.Throws<Http1ParseException>(() =>
        {
            var second = new SequenceReader<byte>(Sequence("B: 1234\r\n\r\n"));
            parser.ParseHeaders(ref second, ref handler);
        });
        Assert.Equal(Http1RejectReason.HeadersTooLarge, e.Reason);
    }

    [Fact]
    public void ParsingAllocatesNothingInSteadyState()
    {
        var head = Bytes("GET /a HTTP/1.1\r\nHost: a\r\nCookie: " + new string('c', 2000) + "\r\nAccept: */*\r\n\r\n");
        // Single segment, split inside a short line (stack copy), split inside the long line (pooled copy).
        ReadOnlySequence<byte>[] inputs = [new(head), TestSequences.Of(head[..20], head[20..]), TestSequences.Of(head[..500], head[500..])];
        var parser = new Http1Parser(Http1ParserLimits.Default);
        var handler = default(CountingHandler);

        void ParseAll()
        {
            foreach (var input in inputs)
            {
                var reader = new SequenceReader<byte>(input);
                parser.ParseRequestLine(ref reader, ref handler);
                parser.ParseHeaders(ref reader, ref handler);
            }
        }

        ParseAll();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) ParseAll();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(101 * 3 * 4, handler.Calls);
    }

    private struct CountingHandler : IHttp1RequestLineHandler, IHttp1HeadersHandler
    {
        public int Calls;

        public void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1Version version) => Calls++;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Calls++;

        public readonly void OnHeadersComplete() { }
    }
}
