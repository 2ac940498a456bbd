using System.Buffers;
using Junction.Http.Http2;
using static Junction.Http.Tests.Http1.TestSequences;

namespace Junction.Http.Tests.Http2;

public sealed class Http2PrefaceTests
{
    private static readonly byte[] Preface = Bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

    [Fact]
    public void PrefaceIsTheRfcString()
    {
        Assert.Equal(Preface, Http2Preface.Bytes.ToArray());
        Assert.Equal(Http2Preface.Length, Preface.Length);
    }

    [Fact]
    public void EveryProperPrefixNeedsMoreInEverySegmentShape()
    {
        Assert.Equal(Http2PrefaceMatch.NeedMore, Http2Preface.Match(ReadOnlySequence<byte>.Empty));
        for (var length = 1; length < Preface.Length; length++)
        {
            foreach (var (shape, sequence) in AllShapes(Preface[..length]))
            {
                Assert.True(Http2Preface.Match(sequence) == Http2PrefaceMatch.NeedMore, $"{length} bytes, {shape}");
            }
        }
    }

    [Fact]
    public void WholePrefaceMatchesWithOrWithoutFollowingFramesInEverySegmentShape()
    {
        var settings = new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 };
        foreach (var input in new[] { Preface, [.. Preface, .. settings] })
        {
            foreach (var (shape, sequence) in AllShapes(input))
            {
                Assert.True(Http2Preface.Match(sequence) == Http2PrefaceMatch.Matches, shape);
            }
        }
    }

    [Fact]
    public void DifferenceAtAnyByteIsAMismatchAsSoonAsThatByteArrives()
    {
        for (var position = 0; position < Preface.Length; position++)
        {
            var wrong = Preface.ToArray();
            wrong[position] ^= 0x20;
            for (var length = position + 1; length <= wrong.Length; length++)
            {
                foreach (var (shape, sequence) in AllShapes(wrong[..length]))
                {
                    Assert.True(Http2Preface.Match(sequence) == Http2PrefaceMatch.Mismatch, $"byte {position} wrong, {length} bytes, {shape}");
                }
            }
        }
    }

    [Theory]
    [InlineData("G")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("PO")]
    [InlineData("PRI * HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\n")] // the HTTP/1 request line alone, then a body that is not SM
    public void Http1RequestsAreMismatchesOrWaitOnlyWhileTheyLookLikeThePreface(string start)
    {
        var expected = Preface.AsSpan().StartsWith(Bytes(start)) ? Http2PrefaceMatch.NeedMore : Http2PrefaceMatch.Mismatch;
        Assert.Equal(expected, Http2Preface.Match(Sequence(start)));
        if (expected == Http2PrefaceMatch.NeedMore)
        {
            Assert.Equal(Http2PrefaceMatch.Mismatch, Http2Preface.Match(Sequence(start + "XX\r\n\r\n")));
        }
    }
}
