using System.Text;
using Junction.Http.Routing;

namespace Junction.Http.Tests.Routing;

/// <summary>RFC 3986 §5.2.4 remove_dot_segments on request paths, and merge_slashes.</summary>
public sealed class PathNormalizerTests
{
    private static string Normalize(string path, bool mergeSlashes = false)
    {
        var input = Encoding.ASCII.GetBytes(path);
        var output = new byte[input.Length];
        var length = PathNormalizer.Normalize(input, mergeSlashes, output);
        return length < 0 ? "(invalid)" : Encoding.ASCII.GetString(output, 0, length);
    }

    // RFC 3986 §5.4's examples against the base http://a/b/c/d;p?q, as paths: a relative reference
    // is merged with the base path "/b/c/" (§5.2.3) and the result normalised.
    [Theory]
    [InlineData("g", "/b/c/g")]
    [InlineData("./g", "/b/c/g")]
    [InlineData("g/", "/b/c/g/")]
    [InlineData(";x", "/b/c/;x")]
    [InlineData("g;x", "/b/c/g;x")]
    [InlineData(".", "/b/c/")]
    [InlineData("./", "/b/c/")]
    [InlineData("..", "/b/")]
    [InlineData("../", "/b/")]
    [InlineData("../g", "/b/g")]
    [InlineData("../..", "/")]
    [InlineData("../../", "/")]
    [InlineData("../../g", "/g")]
    [InlineData("../../../g", "/g")] // abnormal: ".." above the root stays at the root
    [InlineData("../../../../g", "/g")]
    [InlineData("g.", "/b/c/g.")]
    [InlineData(".g", "/b/c/.g")]
    [InlineData("g..", "/b/c/g..")]
    [InlineData("..g", "/b/c/..g")]
    [InlineData("./../g", "/b/g")]
    [InlineData("./g/.", "/b/c/g/")]
    [InlineData("g/./h", "/b/c/g/h")]
    [InlineData("g/../h", "/b/c/h")]
    [InlineData("g;x=1/./y", "/b/c/g;x=1/y")]
    [InlineData("g;x=1/../y", "/b/c/y")]
    public void Rfc3986Examples(string reference, string expected) => Assert.Equal(expected, Normalize("/b/c/" + reference));

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/g", "/g")]
    [InlineData("/./g", "/g")]
    [InlineData("/../g", "/g")]
    [InlineData("/..", "/")]
    [InlineData("/.", "/")]
    [InlineData("/a/b/c/./../../g", "/a/g")] // RFC 3986 §5.2.4's worked example
    [InlineData("/mid/content=5/../6", "/mid/6")]
    [InlineData("/a//b", "/a//b")]
    [InlineData("/a//../b", "/a/b")]
    [InlineData("/a/%2e%2e/b", "/a/%2e%2e/b")] // percent-encoded dots are not decoded
    [InlineData("/a/.../b", "/a/.../b")]
    public void AbsolutePaths(string path, string expected) => Assert.Equal(expected, Normalize(path));

    [Theory]
    [InlineData("//", "/")]
    [InlineData("//a///b//", "/a/b/")]
    [InlineData("/a//./b", "/a/b")]
    [InlineData("/a//../b", "/b")]
    [InlineData("///../x", "/x")]
    [InlineData("/a/b", "/a/b")]
    public void MergesSlashes(string path, string expected) => Assert.Equal(expected, Normalize(path, mergeSlashes: true));

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("*")]
    [InlineData("../a")]
    public void RejectsPathsThatDoNotStartWithASlash(string path) => Assert.Equal("(invalid)", Normalize(path));

    [Fact]
    public void NormalisesInPlace()
    {
        var buffer = "/a/./b/../c//d/."u8.ToArray();
        var length = PathNormalizer.Normalize(buffer, mergeSlashes: true, buffer);
        Assert.Equal("/a/c/d/", Encoding.ASCII.GetString(buffer, 0, length));
    }

    [Fact]
    public void DestinationMustHoldThePath() =>
        Assert.Throws<ArgumentException>(() => PathNormalizer.Normalize("/abc"u8, false, new byte[3]));
}
