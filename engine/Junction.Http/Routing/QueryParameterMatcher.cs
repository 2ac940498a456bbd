using System.Buffers;

namespace Junction.Http.Routing;

/// <summary>
/// One entry of a route's <c>match.query_parameters</c> (Envoy's <c>QueryParameterMatcher</c>):
/// finds the first parameter whose percent-decoded name equals <see cref="Name"/> and matches its
/// percent-decoded value (a parameter without <c>=</c> has an empty value). <c>+</c> is not turned
/// into a space, as in Envoy. Decoding goes to a stack or pooled buffer; nothing is allocated.
/// </summary>
internal sealed class QueryParameterMatcher
{
    private const int MaxStackBytes = 1024;

    private readonly byte[] _name;
    private readonly StringMatcher? _matcher;
    private readonly bool _present;

    /// <summary>Creates a matcher.</summary>
    /// <param name="name">The parameter name as configured.</param>
    /// <param name="nameBytes">The name as UTF-8, compared with the decoded name of each parameter.</param>
    /// <param name="matcher">The value matcher; null for a presence match.</param>
    /// <param name="present">For a presence match: true to require the parameter, false to require its absence (Envoy's current <c>present_match</c> behaviour).</param>
    public QueryParameterMatcher(string name, byte[] nameBytes, StringMatcher? matcher, bool present)
    {
        Name = name;
        _name = nameBytes;
        _matcher = matcher;
        _present = present;
    }

    /// <summary>The parameter name as configured.</summary>
    public string Name { get; }

    /// <summary>True when <paramref name="query"/> (the text after <c>?</c>) satisfies this matcher.</summary>
    public bool Matches(ReadOnlySpan<byte> query)
    {
        while (!query.IsEmpty)
        {
            var end = query.IndexOf((byte)'&');
            var pair = end < 0 ? query : query[..end];
            query = end < 0 ? default : query[(end + 1)..];

            var equals = pair.IndexOf((byte)'=');
            var name = equals < 0 ? pair : pair[..equals];
            if (!NameEquals(name)) continue;
            // Envoy looks at the first occurrence only.
            return _matcher is null ? _present : ValueMatches(equals < 0 ? default : pair[(equals + 1)..]);
        }
        return _matcher is null && !_present;
    }

    private bool NameEquals(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IndexOf((byte)'%') < 0) return encoded.SequenceEqual(_name);
        if (encoded.Length > MaxStackBytes) return DecodedEqualsPooled(encoded);
        Span<byte> buffer = stackalloc byte[encoded.Length];
        return buffer[..PercentDecode(encoded, buffer)].SequenceEqual(_name);
    }

    private bool DecodedEqualsPooled(ReadOnlySpan<byte> encoded)
    {
        var rented = ArrayPool<byte>.Shared.Rent(encoded.Length);
        try
        {
            return rented.AsSpan(0, PercentDecode(encoded, rented)).SequenceEqual(_name);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private bool ValueMatches(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IndexOf((byte)'%') < 0) return _matcher!.IsMatch(encoded);
        if (encoded.Length <= MaxStackBytes)
        {
            Span<byte> buffer = stackalloc byte[encoded.Length];
            return _matcher!.IsMatch(buffer[..PercentDecode(encoded, buffer)]);
        }
        var rented = ArrayPool<byte>.Shared.Rent(encoded.Length);
        try
        {
            return _matcher!.IsMatch(rented.AsSpan(0, PercentDecode(encoded, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Decodes <c>%XX</c> sequences into <paramref name="destination"/> (at least as long as the
    /// input); a <c>%</c> not followed by two hex digits is kept as it is, as Envoy does.
    /// </summary>
    /// <returns>The decoded length.</returns>
    public static int PercentDecode(ReadOnlySpan<byte> encoded, Span<byte> destination)
    {
        var length = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var b = encoded[i];
            if (b == (byte)'%' && i + 2 < encoded.Length
                && HexValue(encoded[i + 1]) is var high and >= 0 && HexValue(encoded[i + 2]) is var low and >= 0)
            {
                b = (byte)((high << 4) | low);
                i += 2;
            }
            destination[length++] = b;
        }
        return length;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
