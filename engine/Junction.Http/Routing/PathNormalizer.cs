namespace Junction.Http.Routing;

/// <summary>
/// Normalises a request path before routing, for the connection manager's <c>normalize_path</c> and
/// <c>merge_slashes</c> options, so that <c>/a/../admin</c> cannot slip past a route for <c>/admin</c>.
/// </summary>
internal static class PathNormalizer
{
    /// <summary>
    /// Removes dot segments as RFC 3986 §5.2.4 (<c>remove_dot_segments</c>) does, on the path only
    /// (the caller splits off the query first), and optionally merges runs of <c>/</c> into one.
    /// </summary>
    /// <remarks>
    /// <para><c>..</c> at the root stays at the root (<c>/../a</c> becomes <c>/a</c>), as the RFC says;
    /// that is not an error. A final <c>.</c> or <c>..</c> segment leaves a trailing slash
    /// (<c>/a/b/..</c> becomes <c>/a/</c>).</para>
    /// <para>Percent-encoded dots (<c>%2e</c>) and slashes (<c>%2F</c>) are not decoded, so
    /// <c>/a/%2e%2e/b</c> is left as it is; decoding them is a separate decision the connection
    /// manager makes (Envoy's <c>path_with_escaped_slashes_action</c>).</para>
    /// <para>With <paramref name="mergeSlashes"/>, empty segments are dropped before dot segments
    /// are resolved, so <c>/a//../b</c> becomes <c>/b</c> (without it, <c>/a/b</c>: the <c>..</c>
    /// removes the empty segment).</para>
    /// <para><paramref name="destination"/> may be the very memory of <paramref name="path"/>
    /// (normalising in place): output never overtakes input.</para>
    /// </remarks>
    /// <param name="path">The path: starts with <c>/</c>, no query.</param>
    /// <param name="mergeSlashes">Merge consecutive slashes (Envoy's <c>merge_slashes</c>).</param>
    /// <param name="destination">Receives the result; must be at least as long as <paramref name="path"/>.</param>
    /// <returns>The length of the normalised path, or -1 when <paramref name="path"/> does not start with <c>/</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="path"/> (a caller bug).</exception>
    public static int Normalize(ReadOnlySpan<byte> path, bool mergeSlashes, Span<byte> destination)
    {
        if (path.IsEmpty || path[0] != (byte)'/') return -1;
        if (destination.Length < path.Length) ThrowDestinationTooShort();

        var output = 0;
        var input = 0;
        // Invariant: path[input] is the '/' that starts the next segment, and output <= input.
        while (input < path.Length)
        {
            var segmentStart = input + 1;
            var slash = path[segmentStart..].IndexOf((byte)'/');
            var segmentEnd = slash < 0 ? path.Length : segmentStart + slash;
            var segment = path[segmentStart..segmentEnd];
            var last = segmentEnd == path.Length;

            if (segment.IsEmpty && mergeSlashes && !last)
            {
                input = segmentEnd;
                continue;
            }
            if (segment.Length == 1 && segment[0] == (byte)'.')
            {
                // "/./" or a final "/.": the slash stays, the dot goes.
                if (last) destination[output++] = (byte)'/';
                input = segmentEnd;
                continue;
            }
            if (segment.Length == 2 && segment[0] == (byte)'.' && segment[1] == (byte)'.')
            {
                // "/../" or a final "/..": drop the last output segment and its '/'.
                var previous = destination[..output].LastIndexOf((byte)'/');
                output = previous < 0 ? 0 : previous;
                if (last) destination[output++] = (byte)'/';
                input = segmentEnd;
                continue;
            }
            destination[output] = (byte)'/';
            // CopyTo has memmove semantics, so an in-place call is safe.
            segment.CopyTo(destination[(output + 1)..]);
            output += 1 + segment.Length;
            input = segmentEnd;
        }
        return output;
    }

    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("the destination must be at least as long as the path", "destination");
}
