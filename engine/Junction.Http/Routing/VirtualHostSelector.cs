namespace Junction.Http.Routing;

/// <summary>
/// Chooses the virtual host for a request's authority, by Envoy's rules: an exact domain first, then
/// the longest suffix wildcard (<c>*.example.com</c>, <c>*-bar.foo.com</c>), then the longest prefix
/// wildcard (<c>foo.*</c>), then <c>*</c>. A wildcard stands for at least one character. Case does
/// not matter; trailing whitespace of the authority is ignored.
/// </summary>
/// <remarks>
/// Ports: when no domain matches the whole authority (<c>example.com:8080</c>), the search is
/// repeated without the port (<c>example.com</c>; <c>[::1]:80</c> becomes <c>[::1]</c>) before
/// <c>*</c> is used, so a domain list need not spell every port. With
/// <c>ignore_port_in_host_matching</c> the port is removed before the first search.
/// Lookups go through byte-keyed dictionaries (one per wildcard length): nothing is allocated.
/// </remarks>
internal sealed class VirtualHostSelector
{
    private readonly Dictionary<string, VirtualHost>.AlternateLookup<ReadOnlySpan<byte>> _exact;
    // Longest first, so the first hit is the longest wildcard match.
    private readonly (int Length, Dictionary<string, VirtualHost>.AlternateLookup<ReadOnlySpan<byte>> Lookup)[] _suffixes;
    private readonly (int Length, Dictionary<string, VirtualHost>.AlternateLookup<ReadOnlySpan<byte>> Lookup)[] _prefixes;
    private readonly VirtualHost? _default;
    private readonly bool _ignorePort;

    /// <summary>Creates a selector.</summary>
    /// <param name="exact">Exact domains (lower case) and their virtual hosts.</param>
    /// <param name="suffixes">Suffix wildcards: the domain without its leading <c>*</c>.</param>
    /// <param name="prefixes">Prefix wildcards: the domain without its trailing <c>*</c>.</param>
    /// <param name="defaultHost">The virtual host with domain <c>*</c>, or null.</param>
    /// <param name="ignorePort">Remove the port before matching (<c>ignore_port_in_host_matching</c>).</param>
    public VirtualHostSelector(
        IEnumerable<KeyValuePair<string, VirtualHost>> exact,
        IEnumerable<KeyValuePair<string, VirtualHost>> suffixes,
        IEnumerable<KeyValuePair<string, VirtualHost>> prefixes,
        VirtualHost? defaultHost,
        bool ignorePort)
    {
        _exact = new Dictionary<string, VirtualHost>(exact, AsciiIgnoreCaseComparer.Instance).GetAlternateLookup<ReadOnlySpan<byte>>();
        _suffixes = ByLength(suffixes);
        _prefixes = ByLength(prefixes);
        _default = defaultHost;
        _ignorePort = ignorePort;
    }

    /// <summary>The virtual host for <paramref name="authority"/>, or null when none matches and there is no <c>*</c>.</summary>
    public VirtualHost? Select(ReadOnlySpan<byte> authority)
    {
        authority = authority.TrimEnd(" \t"u8);
        var portStart = PortStart(authority);
        if (_ignorePort && portStart >= 0)
        {
            authority = authority[..portStart];
            portStart = -1;
        }
        return Find(authority)
            ?? (portStart >= 0 ? Find(authority[..portStart]) : null)
            ?? _default;
    }

    /// <summary>
    /// Where the <c>:port</c> of an authority starts, or -1. An IPv6 literal has its port after
    /// <c>]</c>; an authority with several colons and no brackets has no port (a bare IPv6 address).
    /// The port must be digits.
    /// </summary>
    public static int PortStart(ReadOnlySpan<byte> authority)
    {
        var colon = authority.LastIndexOf((byte)':');
        if (colon < 0) return -1;
        if (authority[0] == (byte)'[')
        {
            if (colon == 0 || authority[colon - 1] != (byte)']') return -1;
        }
        else if (authority[..colon].Contains((byte)':'))
        {
            return -1;
        }
        return authority[(colon + 1)..].ContainsAnyExceptInRange((byte)'0', (byte)'9') ? -1 : colon;
    }

    private VirtualHost? Find(ReadOnlySpan<byte> host)
    {
        if (_exact.TryGetValue(host, out var exact)) return exact;
        foreach (var (length, lookup) in _suffixes)
        {
            // Strictly shorter: the '*' must stand for at least one character.
            if (length < host.Length && lookup.TryGetValue(host[^length..], out var found)) return found;
        }
        foreach (var (length, lookup) in _prefixes)
        {
            if (length < host.Length && lookup.TryGetValue(host[..length], out var found)) return found;
        }
        return null;
    }

    private static (int, Dictionary<string, VirtualHost>.AlternateLookup<ReadOnlySpan<byte>>)[] ByLength(IEnumerable<KeyValuePair<string, VirtualHost>> domains) =>
        domains
            .GroupBy(pair => pair.Key.Length)
            .OrderByDescending(group => group.Key)
            .Select(group => (group.Key, new Dictionary<string, VirtualHost>(group, AsciiIgnoreCaseComparer.Instance).GetAlternateLookup<ReadOnlySpan<byte>>()))
            .ToArray();
}
