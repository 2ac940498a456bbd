namespace Junction.Http.Routing;

/// <summary>Where a <see cref="HeaderMatcher"/> reads its value.</summary>
internal enum HeaderSource
{
    /// <summary>A header field, through <see cref="IRouteRequest.TryGetHeader"/>.</summary>
    Field,

    /// <summary><c>:method</c>: <see cref="IRouteRequest.Method"/>.</summary>
    Method,

    /// <summary><c>:authority</c> or <c>host</c>: <see cref="IRouteRequest.Authority"/>, absent when empty.</summary>
    Authority,
}
