using System.Net;
using System.Text;
using Junction.Http.Http1;

namespace Junction.Host.Admin;

/// <summary>
/// Finds the endpoint for a request's path and enforces its methods, the way Envoy's admin does:
/// an unknown path gets 404 with the list of commands, a state-changing endpoint asked with anything
/// but POST gets 405 and does nothing. Also serves the index (<c>/</c>) and <c>/help</c>.
/// </summary>
internal sealed class AdminRouter
{
    private readonly Dictionary<string, AdminEndpoint> _endpoints = new(StringComparer.Ordinal);

    public AdminRouter(IEnumerable<AdminEndpoint> endpoints)
    {
        foreach (var endpoint in endpoints) _endpoints.Add(endpoint.Path, endpoint);
        _endpoints.Add("/", new AdminEndpoint("/", "this page, with every endpoint", false, _ => Index()));
        _endpoints.Add("/help", new AdminEndpoint("/help", "print out list of admin commands", false, _ => AdminResponse.Ok(Help())));
    }

    public AdminResponse Dispatch(AdminRequest request)
    {
        if (!_endpoints.TryGetValue(request.Path, out var endpoint))
        {
            return AdminResponse.Text(404, "invalid path. " + Help());
        }
        if (endpoint.MutatesState && request.Method != Http1Method.Post)
        {
            return AdminResponse.Text(405, $"Method {request.MethodName} not allowed, POST required.\n") with { Allow = "POST" };
        }
        if (!endpoint.MutatesState && request.Method is not (Http1Method.Get or Http1Method.Head or Http1Method.Post))
        {
            return AdminResponse.Text(405, $"Method {request.MethodName} not allowed.\n") with { Allow = "GET, HEAD, POST" };
        }
        return endpoint.Handler(request);
    }

    /// <summary>Envoy's help text: "admin commands are:" then one line per path, sorted.</summary>
    public string Help()
    {
        var help = new StringBuilder("admin commands are:\n");
        foreach (var endpoint in Sorted())
        {
            help.Append("  ").Append(endpoint.Path).Append(endpoint.MutatesState ? " (POST)" : "").Append(": ").Append(endpoint.Help).Append('\n');
        }
        return help.ToString();
    }

    private IEnumerable<AdminEndpoint> Sorted() => _endpoints.Values.OrderBy(e => e.Path, StringComparer.Ordinal);

    private AdminResponse Index()
    {
        var html = new StringBuilder("""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Junction admin</title></head>
            <body><h1>Junction admin</h1>
            <table>

            """);
        foreach (var endpoint in Sorted())
        {
            var path = WebUtility.HtmlEncode(endpoint.Path);
            var help = WebUtility.HtmlEncode(endpoint.Help);
            var link = endpoint.MutatesState
                ? $"<form method=\"post\" action=\"{path}\"><button type=\"submit\">{path}</button></form>"
                : $"<a href=\"{path}\">{path}</a>";
            html.Append("<tr><td>").Append(link).Append("</td><td>").Append(help).Append("</td></tr>\n");
        }
        html.Append("</table></body></html>\n");
        return new AdminResponse(200, AdminResponse.HtmlContentType, Encoding.UTF8.GetBytes(html.ToString()));
    }
}
