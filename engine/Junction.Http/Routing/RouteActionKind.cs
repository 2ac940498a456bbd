namespace Junction.Http.Routing;

/// <summary>What a matched route does (exactly one action is configured).</summary>
internal enum RouteActionKind
{
    /// <summary><c>route</c>: forward upstream (<see cref="RouteEntry.Route"/>).</summary>
    Route,

    /// <summary><c>redirect</c>: answer with a 3xx and a Location (<see cref="RouteEntry.Redirect"/>).</summary>
    Redirect,

    /// <summary><c>direct_response</c>: answer with a fixed status and body (<see cref="RouteEntry.DirectResponse"/>).</summary>
    DirectResponse,
}
