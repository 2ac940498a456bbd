using System.Text;

namespace Junction.Http.Routing;

/// <summary>A route's <c>redirect</c> action: the status code and how to build the Location.</summary>
internal sealed class RedirectAction
{
    private readonly PathRewrite? _rewrite;

    /// <summary>Creates the action. Every string is ASCII (checked when binding).</summary>
    /// <param name="scheme">The scheme to redirect to (<c>scheme_redirect</c>, or <c>https</c> for <c>https_redirect</c>); null keeps the request's.</param>
    /// <param name="host">The host to redirect to; null keeps the request's.</param>
    /// <param name="port">The port to redirect to; 0 keeps the request's.</param>
    /// <param name="path">The path to redirect to (<c>path_redirect</c>); null keeps (or rewrites) the request's.</param>
    /// <param name="rewrite">A <c>prefix_rewrite</c> or <c>regex_rewrite</c> of the request's path, or null.</param>
    /// <param name="responseCode">301, 302, 303, 307 or 308.</param>
    /// <param name="stripQuery">Drop the request's query.</param>
    public RedirectAction(string? scheme, string? host, int port, string? path, PathRewrite? rewrite, int responseCode, bool stripQuery)
    {
        Scheme = scheme;
        Host = host;
        Port = port;
        Path = path;
        _rewrite = rewrite;
        ResponseCode = responseCode;
        StripQuery = stripQuery;
    }

    /// <summary>The scheme of the Location, or null to keep the request's.</summary>
    public string? Scheme { get; }

    /// <summary>The host of the Location, or null to keep the request's.</summary>
    public string? Host { get; }

    /// <summary>The port of the Location, or 0 to keep the request's.</summary>
    public int Port { get; }

    /// <summary><c>path_redirect</c>, or null.</summary>
    public string? Path { get; }

    /// <summary>The status code to answer with.</summary>
    public int ResponseCode { get; }

    /// <summary><c>strip_query</c>.</summary>
    public bool StripQuery { get; }

    /// <summary>
    /// Builds the Location for a request, following Envoy:
    /// <list type="bullet">
    /// <item>scheme: <see cref="Scheme"/>, else the request's;</item>
    /// <item>host: <see cref="Host"/>, else the request's authority, whose port is dropped when a
    /// <see cref="Port"/> is set or when the scheme changes and the port is the old scheme's default
    /// (<c>http://a:80</c> becomes <c>https://a</c>, not <c>https://a:80</c>); then <c>:port</c> when set;</item>
    /// <item>path: <c>path_redirect</c> (when it holds a <c>?</c> its query replaces the request's and
    /// <c>strip_query</c> does not apply), else the rewritten path, else the request's path; a missing
    /// leading <c>/</c> is added;</item>
    /// <item>query: the request's, unless <see cref="StripQuery"/>.</item>
    /// </list>
    /// </summary>
    /// <param name="scheme">The request's scheme as the connection manager sees it (<c>http</c> or <c>https</c>, or X-Forwarded-Proto when trusted).</param>
    /// <param name="authority">The request's Host.</param>
    /// <param name="path">The request's path without the query (as matched).</param>
    /// <param name="query">The request's query without <c>?</c>; empty when none.</param>
    /// <returns>The absolute URI, as chars that stand for bytes (Latin-1).</returns>
    public string BuildLocation(ReadOnlySpan<byte> scheme, ReadOnlySpan<byte> authority, ReadOnlySpan<byte> path, ReadOnlySpan<byte> query)
    {
        var requestScheme = Encoding.Latin1.GetString(scheme);
        var finalScheme = Scheme ?? requestScheme;
        var portSuffix = Port == 0 ? "" : ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var host = Host ?? RequestHost(Encoding.Latin1.GetString(authority), finalScheme, requestScheme, Port != 0);

        var builder = new StringBuilder(finalScheme.Length + 3 + host.Length + portSuffix.Length + path.Length + query.Length + 2);
        builder.Append(finalScheme).Append("://").Append(host).Append(portSuffix);

        var pathStart = builder.Length;
        var keepQuery = !StripQuery;
        if (Path is not null)
        {
            builder.Append(Path);
            // A query written in path_redirect wins over the request's, and is kept whatever strip_query says.
            if (Path.Contains('?', StringComparison.Ordinal)) keepQuery = false;
        }
        else if (_rewrite is not null)
        {
            builder.Append(_rewrite.Rewrite(path));
        }
        else
        {
            builder.Append(Encoding.Latin1.GetString(path));
        }
        if (builder.Length == pathStart || builder[pathStart] != '/') builder.Insert(pathStart, '/');
        if (keepQuery && !query.IsEmpty) builder.Append('?').Append(Encoding.Latin1.GetString(query));
        return builder.ToString();
    }

    /// <summary>The request's authority, without its port when the redirect sets one or the port is the default of the scheme being left.</summary>
    private static string RequestHost(string authority, string newScheme, string requestScheme, bool newPort)
    {
        int portStart;
        if (authority.StartsWith('['))
        {
            // IPv6 literal: only a ':' right after the closing bracket starts a port.
            var close = authority.LastIndexOf("]:", StringComparison.Ordinal);
            portStart = close < 0 ? -1 : close + 1;
        }
        else
        {
            portStart = authority.LastIndexOf(':');
        }
        if (portStart < 0) return authority;

        var port = authority.AsSpan(portStart);
        var remove = newPort;
        if (!string.Equals(newScheme, requestScheme, StringComparison.Ordinal))
        {
            remove |= requestScheme == "https" && port.SequenceEqual(":443");
            remove |= requestScheme == "http" && port.SequenceEqual(":80");
        }
        return remove ? authority[..portStart] : authority;
    }
}
