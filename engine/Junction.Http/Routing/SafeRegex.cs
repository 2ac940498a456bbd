using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Junction.Configuration;

namespace Junction.Http.Routing;

/// <summary>
/// A compiled Envoy <c>safe_regex</c> (<c>RegexMatcher</c>). Matching is a full match, as Envoy's
/// RE2 <c>FullMatch</c>: the pattern is wrapped in <c>\A(?:…)\z</c>.
/// </summary>
/// <remarks>
/// <para>Patterns use .NET syntax with <see cref="RegexOptions.NonBacktracking"/>, which, like RE2,
/// runs in time linear in the input (no catastrophic backtracking) and so rejects backreferences and
/// lookarounds. RE2's named group form <c>(?P&lt;name&gt;…)</c> is accepted and translated.</para>
/// <para>Input bytes are decoded as Latin-1 (one char per byte, U+0000–U+00FF) into a stack or
/// pooled buffer, so matching allocates nothing. Write a non-ASCII byte as <c>\xNN</c>; paths carry
/// non-ASCII only percent-encoded anyway.</para>
/// </remarks>
internal sealed class SafeRegex
{
    // 512 chars is 1 KiB of stack: enough for nearly every path and header value; longer input
    // rents from the pool instead of risking a deep stack.
    private const int MaxStackChars = 512;

    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private SafeRegex(string pattern, Regex regex)
    {
        Pattern = pattern;
        Regex = regex;
    }

    /// <summary>The pattern as configured.</summary>
    public string Pattern { get; }

    /// <summary>The compiled, anchored expression.</summary>
    public Regex Regex { get; }

    /// <summary>
    /// Compiles <paramref name="pattern"/>; an invalid pattern is an error at <paramref name="node"/>
    /// and yields null.
    /// </summary>
    /// <param name="pattern">The pattern as written in the configuration.</param>
    /// <param name="node">Where to report a bad pattern.</param>
    /// <param name="anchored">True for a full match (matchers); false to find matches anywhere (rewrites).</param>
    public static Regex? CompileRegex(string pattern, ConfigNode node, bool anchored)
    {
        var translated = TranslateRe2(pattern);
        try
        {
            // Compiled bare first: wrapping an invalid pattern such as "a)(b" in a group could make it valid.
            var bare = new Regex(translated, Options);
            return anchored ? new Regex(@"\A(?:" + translated + @")\z", Options) : bare;
        }
        catch (ArgumentException ex)
        {
            node.Error($"invalid regex '{pattern}': {ex.Message}");
        }
        catch (NotSupportedException ex)
        {
            // NonBacktracking rejects constructs that need backtracking (backreferences, lookarounds).
            node.Error($"regex '{pattern}' is not supported: {ex.Message}");
        }
        return null;
    }

    /// <summary>Compiles a full-match regex; null (after an error at <paramref name="node"/>) when invalid.</summary>
    public static SafeRegex? Compile(string pattern, ConfigNode node) =>
        CompileRegex(pattern, node, anchored: true) is { } regex ? new SafeRegex(pattern, regex) : null;

    /// <summary>True when the whole of <paramref name="input"/> matches. Allocates nothing.</summary>
    public bool IsMatch(ReadOnlySpan<byte> input)
    {
        if (input.Length <= MaxStackChars)
        {
            Span<char> chars = stackalloc char[input.Length];
            Encoding.Latin1.GetChars(input, chars);
            return Regex.IsMatch(chars);
        }
        var rented = ArrayPool<char>.Shared.Rent(input.Length);
        try
        {
            var chars = rented.AsSpan(0, input.Length);
            Encoding.Latin1.GetChars(input, chars);
            return Regex.IsMatch(chars);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Rewrites RE2's <c>(?P&lt;name&gt;</c> to .NET's <c>(?&lt;name&gt;</c>, skipping escaped characters.</summary>
    private static string TranslateRe2(string pattern)
    {
        if (!pattern.Contains("(?P<", StringComparison.Ordinal)) return pattern;
        var builder = new StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                builder.Append(pattern, i, 2);
                i++;
            }
            else if (string.CompareOrdinal(pattern, i, "(?P<", 0, 4) == 0)
            {
                builder.Append("(?<");
                i += 3;
            }
            else
            {
                builder.Append(pattern[i]);
            }
        }
        return builder.ToString();
    }
}
