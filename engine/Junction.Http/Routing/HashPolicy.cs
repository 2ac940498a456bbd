using System.Net;
using Junction.Upstream;

namespace Junction.Http.Routing;

/// <summary>What one <c>hash_policy</c> entry hashes.</summary>
internal enum HashPolicyKind : byte
{
    /// <summary><c>header.header_name</c>: the first value of a request header.</summary>
    Header,

    /// <summary><c>cookie.name</c>: the value of a cookie in the Cookie header (never generated: no ttl).</summary>
    Cookie,

    /// <summary><c>connection_properties.source_ip</c>: the downstream client's IP address.</summary>
    SourceIp,

    /// <summary><c>query_parameter.name</c>: the value of the first query parameter with that name.</summary>
    QueryParameter,
}

/// <summary>
/// One entry of a route's <c>hash_policy</c> (Envoy's <c>RouteAction.HashPolicy</c>): which part of a
/// request feeds the consistent-hashing load balancers (RING_HASH, MAGLEV). Entries are evaluated in
/// order and their hashes combined; an entry marked <c>terminal</c> that produced a hash stops the walk.
/// A request for which no entry produced a hash has none, and the cluster picks at random.
/// </summary>
internal sealed class HashPolicy(HashPolicyKind kind, byte[] name, bool terminal)
{
    public HashPolicyKind Kind { get; } = kind;

    /// <summary>The header (lower case), cookie or query parameter name as bytes; empty for source_ip.</summary>
    public byte[] Name { get; } = name;

    public bool Terminal { get; } = terminal;

    /// <summary>The combined hash of <paramref name="policies"/> for one request, or null when none applied.</summary>
    /// <param name="policies">The route's entries, in order.</param>
    /// <param name="request">The request being routed.</param>
    /// <param name="source">The downstream client's address, for source_ip.</param>
    public static ulong? Compute<TRequest>(HashPolicy[] policies, ref TRequest request, EndPoint? source)
        where TRequest : struct, IRouteRequest
    {
        ulong? combined = null;
        foreach (var policy in policies)
        {
            if (policy.TryHash(ref request, source) is not { } hash) continue;
            // Envoy's combination: rotate what came before by one bit, then mix in the new hash, so
            // the order of the entries matters.
            combined = combined is { } previous ? ((previous << 1) | (previous >> 63)) ^ hash : hash;
            if (policy.Terminal) break;
        }
        return combined;
    }

    private ulong? TryHash<TRequest>(ref TRequest request, EndPoint? source) where TRequest : struct, IRouteRequest
    {
        switch (Kind)
        {
            case HashPolicyKind.Header:
                return request.TryGetHeader(Name, out var value) ? XxHash64.Hash(value) : null;
            case HashPolicyKind.Cookie:
                return request.TryGetHeader("cookie"u8, out var cookies) && FindCookie(cookies, Name, out var cookie) ? XxHash64.Hash(cookie) : null;
            case HashPolicyKind.QueryParameter:
                return FindQueryParameter(request.Query, Name, out var parameter) ? XxHash64.Hash(parameter) : null;
            default:
                if (source is not IPEndPoint { Address: var address }) return null;
                Span<byte> bytes = stackalloc byte[16];
                if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
                return address.TryWriteBytes(bytes, out var written) ? XxHash64.Hash(bytes[..written]) : null;
        }
    }

    /// <summary>The value of cookie <paramref name="name"/> in a Cookie header (<c>a=1; b=2</c>).</summary>
    internal static bool FindCookie(ReadOnlySpan<byte> header, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (!header.IsEmpty)
        {
            var end = header.IndexOf((byte)';');
            var pair = (end < 0 ? header : header[..end]).Trim((byte)' ');
            header = end < 0 ? default : header[(end + 1)..];
            var equals = pair.IndexOf((byte)'=');
            if (equals < 0 || !pair[..equals].SequenceEqual(name)) continue;
            value = pair[(equals + 1)..];
            // A quoted cookie value hashes without its quotes.
            if (value.Length >= 2 && value[0] == (byte)'"' && value[^1] == (byte)'"') value = value[1..^1];
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>The raw value of the first parameter named <paramref name="name"/> (<c>a=1&amp;b=2</c>); a name without <c>=</c> has an empty value.</summary>
    internal static bool FindQueryParameter(ReadOnlySpan<byte> query, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (!query.IsEmpty)
        {
            var end = query.IndexOf((byte)'&');
            var pair = end < 0 ? query : query[..end];
            query = end < 0 ? default : query[(end + 1)..];
            var equals = pair.IndexOf((byte)'=');
            if (!(equals < 0 ? pair : pair[..equals]).SequenceEqual(name)) continue;
            value = equals < 0 ? default : pair[(equals + 1)..];
            return true;
        }
        value = default;
        return false;
    }
}
