using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Junction.Http.Http2.Hpack;

namespace Junction.Benchmarks;

/// <summary>
/// Cost of HPACK on the request of <see cref="Http1ParserBenchmarks"/> (12 fields, as a browser
/// sends them over HTTP/2): decoding a block of 10 fields that are all table indices (a repeated
/// request on a warm connection; must show 0 B allocated), decoding the whole request as Huffman
/// literals (the first request of a connection), and encoding it on a warm connection (10 indices,
/// 2 literals) and with no dynamic table (12 literals).
/// </summary>
[MemoryDiagnoser]
public class HpackBenchmarks
{
    private static readonly (string Name, string Value)[] Request =
    [
        (":method", "GET"),
        (":scheme", "https"),
        (":authority", "shop.example.com"),
        (":path", "/products/shoes?color=blue&size=42"),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
        ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("accept-language", "en-US,en;q=0.5"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("referer", "https://shop.example.com/"),
        ("cookie", "session=4f2a9c1e7b; theme=dark"),
        ("upgrade-insecure-requests", "1"),
        ("sec-fetch-dest", "document"),
    ];

    private readonly HpackField[] _fields = Request
        .Select(f => new HpackField(Encoding.ASCII.GetBytes(f.Name), Encoding.ASCII.GetBytes(f.Value)))
        .ToArray();

    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private HpackDecoder _decoder = null!;
    private HpackEncoder _warmEncoder = null!;
    private HpackEncoder _tablelessEncoder = null!;
    private byte[] _indexedBlock = [];
    private byte[] _literalBlock = [];

    [GlobalSetup]
    public void Setup()
    {
        // The literal block: the request encoded with literals only (no dynamic table), Huffman
        // where shorter. Decoding it leaves the decoder's table alone, so every iteration is alike.
        // The second block of that encoder, because the first starts with a table size update to 0.
        var literalEncoder = new HpackEncoder(maxTableSizeCap: 0);
        Encode(literalEncoder, _fields);
        _literalBlock = Encode(literalEncoder, _fields);

        // The indexed block: the request without :path and cookie (which the encoder never
        // indexes), encoded a second time by a warm encoder; the decoder got the first encoding
        // of the whole request, so its table matches.
        var encoder = new HpackEncoder();
        _decoder = new HpackDecoder();
        var handler = default(NullHandler);
        _decoder.Decode(Encode(encoder, _fields), ref handler);
        _indexedBlock = Encode(encoder, _fields.Where(f => !f.Name.Span.SequenceEqual(":path"u8) && !f.Name.Span.SequenceEqual("cookie"u8)).ToArray());
        _decoder.Decode(_indexedBlock, ref handler);

        _warmEncoder = new HpackEncoder();
        _warmEncoder.EncodeBlock(_output, _fields);
        _tablelessEncoder = new HpackEncoder(maxTableSizeCap: 0);
        _tablelessEncoder.EncodeBlock(_output, _fields);
    }

    [Benchmark(Baseline = true)]
    public int DecodeIndexed()
    {
        var handler = default(NullHandler);
        _decoder.Decode(_indexedBlock, ref handler);
        return handler.Bytes;
    }

    [Benchmark]
    public int DecodeHuffmanLiterals()
    {
        var handler = default(NullHandler);
        _decoder.Decode(_literalBlock, ref handler);
        return handler.Bytes;
    }

    [Benchmark]
    public int EncodeWarm()
    {
        _output.ResetWrittenCount();
        _warmEncoder.EncodeBlock(_output, _fields);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int EncodeWithoutTable()
    {
        _output.ResetWrittenCount();
        _tablelessEncoder.EncodeBlock(_output, _fields);
        return _output.WrittenCount;
    }

    private byte[] Encode(HpackEncoder encoder, HpackField[] fields)
    {
        _output.ResetWrittenCount();
        encoder.EncodeBlock(_output, fields);
        return _output.WrittenSpan.ToArray();
    }

    private struct NullHandler : IHpackHeaderHandler
    {
        public int Bytes;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex) => Bytes += name.Length + value.Length;
    }
}
