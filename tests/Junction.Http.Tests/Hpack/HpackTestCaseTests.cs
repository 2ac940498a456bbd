using System.Buffers;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.Tests.Hpack;

/// <summary>The decoder against the shared hpack-test-case stories, and the encoder round-tripping raw-data.</summary>
public sealed class HpackTestCaseTests
{
    public static TheoryData<string> EncodedStories => HpackTestCases.StoryFiles(raw: false);

    public static TheoryData<string> RawStories => HpackTestCases.StoryFiles(raw: true);

    [Fact]
    public void TestVectorsArePresent()
    {
        var root = HpackTestCases.Directory;
        var implementations = Directory.GetDirectories(root).Select(Path.GetFileName).ToList();
        Assert.Contains(HpackTestCases.RawData, implementations);
        Assert.True(implementations.Count >= 6, $"Expected raw-data and at least five encoder directories in {root}, found: {string.Join(", ", implementations)}");
        foreach (var implementation in implementations)
        {
            Assert.True(Directory.GetFiles(Path.Combine(root, implementation!), "story_*.json").Length > 0, $"{implementation} has no stories");
        }
    }

    [Theory]
    [MemberData(nameof(EncodedStories))]
    public void DecoderReproducesEveryStory(string story)
    {
        var cases = HpackTestCases.Load(story);
        Assert.NotEmpty(cases);
        var decoder = new HpackDecoder();
        for (var i = 0; i < cases.Count; i++)
        {
            var block = cases[i];
            Assert.NotNull(block.Wire);
            if (block.HeaderTableSize is { } size) decoder.SetMaxTableSizeSetting(size);
            var handler = new RecordingHeaderHandler();
            decoder.Decode(block.Wire, ref handler);
            Assert.True(block.Headers.SequenceEqual(handler.Fields), $"{story} case {i}: header list differs");
        }
    }

    [Theory]
    [MemberData(nameof(RawStories))]
    public void EncoderRoundTripsEveryRawStory(string story)
    {
        // The default table, a small one that evicts on nearly every block, and none at all.
        foreach (var tableSize in new[] { 4096, 256, 0 })
        {
            var cases = HpackTestCases.Load(story);
            var encoder = new HpackEncoder(maxTableSizeCap: tableSize);
            var decoder = new HpackDecoder();
            var output = new ArrayBufferWriter<byte>();
            for (var i = 0; i < cases.Count; i++)
            {
                var fields = cases[i].Headers
                    .Select(h => new HpackField(HpackTestCases.Utf8(h.Name), HpackTestCases.Utf8(h.Value)))
                    .ToArray();
                output.ResetWrittenCount();
                encoder.EncodeBlock(output, fields);

                var handler = new RecordingHeaderHandler();
                decoder.Decode(output.WrittenSpan, ref handler);
                Assert.True(cases[i].Headers.SequenceEqual(handler.Fields), $"{story} case {i}, table {tableSize}: header list differs");
                Assert.Equal(encoder.DynamicTableSize, decoder.DynamicTableSize);
                Assert.Equal(encoder.DynamicTableCount, decoder.DynamicTableCount);
            }
        }
    }

    [Theory]
    [MemberData(nameof(EncodedStories))]
    public void EveryTruncationOfAStoryBlockFailsCleanly(string story)
    {
        // The first blocks of each story (the later ones only repeat the same shapes): every proper
        // prefix either decodes (it ends between representations) or throws HpackDecodingException.
        var cases = HpackTestCases.Load(story).Take(3).ToList();
        for (var i = 0; i < cases.Count; i++)
        {
            var wire = cases[i].Wire!;
            for (var length = 0; length < wire.Length; length++)
            {
                var decoder = new HpackDecoder();
                for (var j = 0; j < i; j++)
                {
                    var earlier = new RecordingHeaderHandler();
                    decoder.Decode(cases[j].Wire, ref earlier);
                }
                var handler = new RecordingHeaderHandler();
                var prefix = wire.AsSpan(0, length).ToArray();
                try
                {
                    decoder.Decode(prefix, ref handler);
                    Assert.True(cases[i].Headers.Take(handler.Fields.Count).SequenceEqual(handler.Fields));
                }
                catch (HpackDecodingException)
                {
                }
            }
        }
    }
}
