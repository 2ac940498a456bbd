using System.Text;
using Junction.Http.Routing;

namespace Junction.Http.Tests.Routing;

/// <summary>A request for routing tests: bytes held in arrays, headers looked up by a linear scan (no allocation).</summary>
internal readonly struct TestRequest : IRouteRequest
{
    private readonly byte[] _method;
    private readonly byte[] _authority;
    private readonly byte[] _path;
    private readonly byte[] _query;
    private readonly (byte[] Name, byte[] Value)[] _headers;

    /// <summary>Creates a request; <paramref name="target"/> is split at the first '?'.</summary>
    public TestRequest(string authority, string target, string method = "GET", params (string Name, string Value)[] headers)
    {
        var question = target.IndexOf('?', StringComparison.Ordinal);
        _method = Encoding.UTF8.GetBytes(method);
        _authority = Encoding.UTF8.GetBytes(authority);
        _path = Encoding.UTF8.GetBytes(question < 0 ? target : target[..question]);
        _query = Encoding.UTF8.GetBytes(question < 0 ? "" : target[(question + 1)..]);
        _headers = headers.Select(h => (Encoding.UTF8.GetBytes(h.Name), Encoding.UTF8.GetBytes(h.Value))).ToArray();
    }

    public ReadOnlySpan<byte> Method => _method;

    public ReadOnlySpan<byte> Authority => _authority;

    public ReadOnlySpan<byte> Path => _path;

    public ReadOnlySpan<byte> Query => _query;

    public bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, out ReadOnlySpan<byte> value)
    {
        foreach (var (name, headerValue) in _headers)
        {
            if (Ascii.EqualsIgnoreCase(name, lowerCaseName))
            {
                value = headerValue;
                return true;
            }
        }
        value = default;
        return false;
    }
}
