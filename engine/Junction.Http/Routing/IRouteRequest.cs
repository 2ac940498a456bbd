namespace Junction.Http.Routing;

/// <summary>
/// The parts of a request that routing looks at. Implemented by a struct of the connection manager
/// and passed by reference to <see cref="RouteTable.Match{TRequest}"/>, so the JIT compiles the
/// matcher once per request type and nothing is boxed. Every span is valid only during the call.
/// </summary>
internal interface IRouteRequest
{
    /// <summary>The method as received, e.g. <c>GET</c>.</summary>
    ReadOnlySpan<byte> Method { get; }

    /// <summary>The Host header value as received (HTTP/2's <c>:authority</c>); empty when the request has none.</summary>
    ReadOnlySpan<byte> Authority { get; }

    /// <summary>The request target up to <c>?</c>, already normalised by the caller (see <see cref="PathNormalizer"/>).</summary>
    ReadOnlySpan<byte> Path { get; }

    /// <summary>The request target after <c>?</c>; empty when there is none.</summary>
    ReadOnlySpan<byte> Query { get; }

    /// <summary>
    /// Finds the first field named <paramref name="lowerCaseName"/>, comparing names without regard
    /// to case. The router reads <c>:method</c> from <see cref="Method"/>, and <c>:authority</c> and
    /// <c>host</c> from <see cref="Authority"/>; other names that start with <c>:</c>, such as
    /// <c>:scheme</c>, are passed here; answer them or return false.
    /// </summary>
    bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, out ReadOnlySpan<byte> value);
}
