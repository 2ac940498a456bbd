namespace Junction.Http.Routing;

/// <summary>
/// The header changes configured at one level (route configuration, virtual host, route, weighted
/// cluster): removals, then additions, which is the order Envoy applies one level in ("remove
/// before add", so a level can replace a header by removing and adding it).
/// </summary>
internal sealed class HeaderMutations
{
    /// <summary>A level with no changes.</summary>
    public static readonly HeaderMutations None = new([], []);

    /// <summary>Creates the changes of one level; each list already holds removals before additions.</summary>
    public HeaderMutations(HeaderMutation[] request, HeaderMutation[] response)
    {
        Request = request;
        Response = response;
    }

    /// <summary>Changes to the request headers.</summary>
    public HeaderMutation[] Request { get; }

    /// <summary>Changes to the response headers.</summary>
    public HeaderMutation[] Response { get; }

    /// <summary>
    /// Joins levels into the order they run. Envoy's rule: by default the most specific level runs
    /// first (route, then virtual host, then route configuration), so the least specific has the last
    /// word; with <c>most_specific_header_mutations_wins</c> the order is reversed. Pass the levels
    /// from most to least specific.
    /// </summary>
    public static HeaderMutations Join(bool mostSpecificWins, params ReadOnlySpan<HeaderMutations> mostSpecificFirst)
    {
        var request = new List<HeaderMutation>();
        var response = new List<HeaderMutation>();
        for (var i = 0; i < mostSpecificFirst.Length; i++)
        {
            var level = mostSpecificFirst[mostSpecificWins ? mostSpecificFirst.Length - 1 - i : i];
            request.AddRange(level.Request);
            response.AddRange(level.Response);
        }
        return new HeaderMutations([.. request], [.. response]);
    }
}
