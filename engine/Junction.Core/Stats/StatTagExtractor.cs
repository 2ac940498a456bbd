using System.Text.RegularExpressions;

namespace Junction.Core.Stats;

/// <summary>
/// Takes the one tag Envoy's default tag extractors would find in a stat name of the scopes Junction
/// has: the cluster of <c>cluster.&lt;name&gt;.*</c>, the listener of <c>listener.&lt;address or
/// stat_prefix&gt;.*</c>, the stat prefix of <c>tcp.&lt;prefix&gt;.*</c> and of
/// <c>http.&lt;prefix&gt;.*</c>. Other Envoy tags (response code class, route, ...) are not
/// extracted: those stats keep their full names.
/// </summary>
/// <remarks>
/// As in Envoy, a tag value ends at the first dot, so a cluster whose name contains a dot is tagged
/// with the part before it. Listener addresses are the exception: the default listener stat prefix
/// is <c>ADDRESS_PORT</c> (e.g. <c>127.0.0.1_15000</c>), and a value of that shape is taken whole.
/// A stat needs a name after its tag value to be tagged (<c>cluster.x</c> alone is left as it is).
/// </remarks>
internal static partial class StatTagExtractor
{
    public static TaggedStatName Extract(string name)
    {
        var firstDot = name.IndexOf('.');
        if (firstDot > 0)
        {
            var root = name[..firstDot];
            var tagName = root switch
            {
                "cluster" => "envoy_cluster_name",
                "listener" => "envoy_listener_address",
                "tcp" => "envoy_tcp_prefix",
                "http" => "envoy_http_conn_manager_prefix",
                _ => null,
            };
            if (tagName is not null && TryValueLength(name, root, firstDot + 1, out var length))
            {
                var value = name.Substring(firstDot + 1, length);
                var rest = name[(firstDot + 1 + length)..];
                return new TaggedStatName(root + rest, tagName, value, $"{root}.<{tagName}>{rest}");
            }
        }
        return new TaggedStatName(name, null, null, name);
    }

    // The length of the tag value starting at `start`; the value is followed by a dot and a
    // non-empty remainder.
    private static bool TryValueLength(string name, string root, int start, out int length)
    {
        if (root == "listener")
        {
            var address = ListenerAddress().Match(name, start);
            if (address.Success)
            {
                length = address.Groups[1].Length;
                return true;
            }
        }
        var dot = name.IndexOf('.', start);
        length = dot - start;
        return dot > start && dot < name.Length - 1;
    }

    // IPv4 or IPv6 characters then "_PORT", followed by ".X".
    [GeneratedRegex(@"\G([0-9A-Fa-f:.\[\]]*_[0-9]+)\.[^.]")]
    private static partial Regex ListenerAddress();
}
