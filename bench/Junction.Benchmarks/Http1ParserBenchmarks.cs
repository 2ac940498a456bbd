using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Junction.Http.Http1;

namespace Junction.Benchmarks;

/// <summary>
/// Cost of parsing the head of a typical browser GET (request line and 11 header fields, 489
/// bytes): whole in one segment, split across two segments inside a field line (the copy path), and
/// with a handler that does what the codec will (recognise known headers, decide framing).
/// Every case must show 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class Http1ParserBenchmarks
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes(
        "GET /products/shoes?color=blue&size=42 HTTP/1.1\r\n" +
        "Host: shop.example.com\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
        "Accept-Language: en-US,en;q=0.5\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Referer: https://shop.example.com/\r\n" +
        "Connection: keep-alive\r\n" +
        "Cookie: session=4f2a9c1e7b; theme=dark\r\n" +
        "Upgrade-Insecure-Requests: 1\r\n" +
        "Sec-Fetch-Dest: document\r\n" +
        "Sec-Fetch-Mode: navigate\r\n" +
        "\r\n");

    private readonly Http1Parser _parser = new(Http1ParserLimits.Default);
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _split;

    [GlobalSetup]
    public void Setup()
    {
        _single = new ReadOnlySequence<byte>(Request);
        // Cut inside the User-Agent line, as a 4 KiB pipe block boundary would.
        var cut = Array.IndexOf(Request, (byte)'G', 100);
        var first = new BenchSegment(Request.AsMemory(0, cut), 0);
        var second = first.Append(Request.AsMemory(cut));
        _split = new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    [Benchmark(Baseline = true)]
    public long SingleSegment() => Parse<NullHandler>(_single);

    [Benchmark]
    public long SplitAcrossSegments() => Parse<NullHandler>(_split);

    [Benchmark]
    public long WithFramingDecision()
    {
        var reader = new SequenceReader<byte>(_single);
        var handler = default(FramingHandler);
        _parser.ParseRequestLine(ref reader, ref handler);
        _parser.ParseHeaders(ref reader, ref handler);
        return (long)Http1Framing.ForRequest(handler.Facts, handler.Version).Kind + reader.Consumed;
    }

    private long Parse<TH>(ReadOnlySequence<byte> input)
        where TH : struct, IHttp1RequestLineHandler, IHttp1HeadersHandler
    {
        var reader = new SequenceReader<byte>(input);
        var handler = default(TH);
        _parser.ParseRequestLine(ref reader, ref handler);
        _parser.ParseHeaders(ref reader, ref handler);
        return reader.Consumed;
    }

    private struct NullHandler : IHttp1RequestLineHandler, IHttp1HeadersHandler
    {
        public readonly void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1Version version) { }

        public readonly void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) { }

        public readonly void OnHeadersComplete() { }
    }

    private struct FramingHandler : IHttp1RequestLineHandler, IHttp1HeadersHandler
    {
        public Http1FramingFacts Facts;
        public Http1Version Version;
        public int Hosts;

        public void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1Version version) =>
            Version = version;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            var known = KnownHeaders.Identify(name);
            if (known == KnownHeader.Host) Hosts++;
            else Facts.Add(known, value);
        }

        public readonly void OnHeadersComplete() { }
    }

    private sealed class BenchSegment : ReadOnlySequenceSegment<byte>
    {
        public BenchSegment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public BenchSegment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new BenchSegment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
