using System.Buffers;
using Junction.Http.Http1;
using Junction.HttpFilters;

namespace Junction.Http.ConnectionManager;

/// <summary>
/// Decodes the chunks of a chunked body that are in a buffer into a <see cref="HttpBody"/> (a copy the
/// caller may hold across awaits) and collects trailers into a head. For paths that cannot write the
/// decoded slices straight on: HTTP filters, and HTTP/2 downstreams.
/// </summary>
internal static class ChunkedBodyReader
{
    /// <summary>True once the body (trailers included) is complete; <paramref name="consumed"/> bytes of the buffer were used.</summary>
    public static bool DecodeInto(in ReadOnlySequence<byte> buffer, Http1ChunkedDecoder decoder, HttpBody piece, MessageHead trailers, out long consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        var collector = new TrailerCollector(trailers);
        while (true)
        {
            var result = decoder.Decode(ref reader, ref collector, out var chunk);
            if (result == Http1ChunkedResult.Data)
            {
                piece.Append(chunk);
                continue;
            }
            consumed = reader.Consumed;
            return result == Http1ChunkedResult.Complete;
        }
    }
}

/// <summary>Collects chunked trailers into a head, to be looked at (filters) or re-encoded (HTTP/2) before they are written.</summary>
internal readonly struct TrailerCollector(MessageHead trailers) : IHttp1HeadersHandler
{
    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => trailers.AddField(name, value);

    public void OnHeadersComplete()
    {
    }
}
