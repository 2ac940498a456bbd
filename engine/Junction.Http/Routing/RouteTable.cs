namespace Junction.Http.Routing;

/// <summary>
/// A compiled route configuration (Envoy's <c>RouteConfiguration</c>): picks the virtual host by
/// authority, then the first route of it that matches. Immutable and safe to share across threads;
/// a reload builds a new table. Built by <see cref="RouteTableBinder"/>.
/// </summary>
internal sealed class RouteTable
{
    private readonly VirtualHostSelector _selector;

    /// <summary>Creates a table.</summary>
    public RouteTable(string? name, IReadOnlyList<VirtualHost> virtualHosts, VirtualHostSelector selector, IReadOnlyList<string> internalOnlyHeaders)
    {
        Name = name;
        VirtualHosts = virtualHosts;
        _selector = selector;
        InternalOnlyHeaders = internalOnlyHeaders;
        InternalOnlyHeaderBytes = internalOnlyHeaders.Select(System.Text.Encoding.ASCII.GetBytes).ToArray();
    }

    /// <summary>The configuration's <c>name</c>, or null.</summary>
    public string? Name { get; }

    /// <summary>The virtual hosts in configuration order.</summary>
    public IReadOnlyList<VirtualHost> VirtualHosts { get; }

    /// <summary>
    /// <c>internal_only_headers</c>, lower case: headers the connection manager removes from requests
    /// that come from outside (not internal by its rules) before routing.
    /// </summary>
    public IReadOnlyList<string> InternalOnlyHeaders { get; }

    /// <summary><see cref="InternalOnlyHeaders"/> as ASCII bytes.</summary>
    public IReadOnlyList<byte[]> InternalOnlyHeaderBytes { get; }

    /// <summary>The virtual host for an authority (see <see cref="VirtualHostSelector"/> for the rules), or null.</summary>
    public VirtualHost? SelectVirtualHost(ReadOnlySpan<byte> authority) => _selector.Select(authority);

    /// <summary>
    /// Routes a request: its virtual host by <see cref="IRouteRequest.Authority"/>, then that host's
    /// first matching route. Allocates nothing except inside a <c>safe_regex</c> engine's first use.
    /// </summary>
    /// <returns>The route, or null when no virtual host or no route matches (Envoy answers 404).</returns>
    public RouteEntry? Match<TRequest>(ref TRequest request)
        where TRequest : struct, IRouteRequest =>
        _selector.Select(request.Authority)?.Match(ref request);
}
