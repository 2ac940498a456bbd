using System.Text;
using BenchmarkDotNet.Attributes;
using Junction.Configuration;
using Junction.Core.Configuration;
using Junction.Http.Routing;

namespace Junction.Benchmarks;

/// <summary>
/// Cost of routing one request: a 100-route virtual host of prefix + header routes where the
/// request matches the last route (the worst case of first-match-wins), a route found by regex with
/// a query parameter, and path normalisation. Every case must show 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class RouteTableBenchmarks
{
    private RouteTable _table = null!;
    private BenchRequest _lastOfHundred;
    private BenchRequest _regex;
    private readonly byte[] _path = "/static/./css/../img//logo.png"u8.ToArray();
    private readonly byte[] _normalized = new byte[64];

    [GlobalSetup]
    public void Setup()
    {
        var yaml = new StringBuilder("""
            virtual_hosts:
            - name: regex
              domains: [regex.example.com]
              routes:
              - match:
                  safe_regex: {regex: "/items/[0-9]+"}
                  query_parameters: [{name: q, string_match: {exact: "a b"}}]
                route: {cluster: backend}
            - name: services
              domains: [api.example.com, "*.api.example.com"]
              routes:

            """);
        for (var i = 0; i < 100; i++)
        {
            yaml.Append($$$"""
                  - match:
                      prefix: /svc{{{i}}}/
                      headers: [{name: x-tenant, string_match: {exact: tenant-{{{i}}}}}]
                    route: {cluster: backend}

                """);
        }
        var diagnostics = new ConfigDiagnostics();
        var root = ConfigLoader.Load(yaml.ToString(), "bench.yaml", diagnostics)!;
        _table = RouteTableBinder.Bind(root, _ => true)
            ?? throw new InvalidOperationException(string.Join("\n", diagnostics.Errors));
        _lastOfHundred = new BenchRequest("eu.api.example.com:443", "/svc99/orders/17", "", ("user-agent", "bench"), ("x-tenant", "tenant-99"));
        _regex = new BenchRequest("regex.example.com", "/items/42", "x=1&q=a%20b");
    }

    [Benchmark(Baseline = true)]
    public bool LastOfHundredPrefixAndHeaderRoutes() => _table.Match(ref _lastOfHundred) is not null;

    [Benchmark]
    public bool RegexAndQueryParameter() => _table.Match(ref _regex) is not null;

    [Benchmark]
    public int NormalizePath() => PathNormalizer.Normalize(_path, mergeSlashes: true, _normalized);

    private readonly struct BenchRequest : IRouteRequest
    {
        private readonly byte[] _authority;
        private readonly byte[] _path;
        private readonly byte[] _query;
        private readonly (byte[] Name, byte[] Value)[] _headers;

        public BenchRequest(string authority, string path, string query, params (string Name, string Value)[] headers)
        {
            _authority = Encoding.ASCII.GetBytes(authority);
            _path = Encoding.ASCII.GetBytes(path);
            _query = Encoding.ASCII.GetBytes(query);
            _headers = headers.Select(h => (Encoding.ASCII.GetBytes(h.Name), Encoding.ASCII.GetBytes(h.Value))).ToArray();
        }

        public ReadOnlySpan<byte> Method => "GET"u8;

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
}
