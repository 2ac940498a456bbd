using System.Globalization;
using System.Net;
using System.Text;
using Junction.AccessLog;

namespace Junction.Core.AccessLog;

/// <summary>Renders parsed operators against a <see cref="StreamInfo"/>. A value that is not known prints <c>-</c>.</summary>
internal static class LogFormatter
{
    /// <summary>Appends every segment of <paramref name="segments"/>.</summary>
    public static void Append(StringBuilder output, IReadOnlyList<LogSegment> segments, StreamInfo info)
    {
        for (var i = 0; i < segments.Count; i++)
        {
            if (!TryAppend(output, segments[i], info)) output.Append('-');
        }
    }

    /// <summary>Appends one operator's value; false when the value is unknown (nothing appended).</summary>
    public static bool TryAppend(StringBuilder output, LogSegment segment, StreamInfo info)
    {
        var start = output.Length;
        var known = AppendValue(output, segment, info);
        if (known && segment.MaxLength >= 0 && output.Length - start > segment.MaxLength)
        {
            output.Length = start + segment.MaxLength;
        }
        return known;
    }

    private static bool AppendValue(StringBuilder output, LogSegment segment, StreamInfo info)
    {
        switch (segment.Operator)
        {
            case LogOperator.Literal:
                output.Append(segment.Text);
                return true;
            case LogOperator.StartTime:
                AppendTime(output, info.StartTime, segment.Text);
                return true;
            case LogOperator.Duration:
                output.Append((long)info.Duration.TotalMilliseconds);
                return true;
            case LogOperator.BytesReceived:
                output.Append(info.BytesReceived);
                return true;
            case LogOperator.BytesSent:
                output.Append(info.BytesSent);
                return true;
            case LogOperator.Protocol:
                return AppendIfSet(output, info.Protocol);
            case LogOperator.ResponseCode:
                output.Append(info.ResponseCode);
                return true;
            case LogOperator.ResponseFlags:
                AppendFlags(output, info.ResponseFlags);
                return true;
            case LogOperator.UpstreamHost:
                return AppendEndPoint(output, info.UpstreamHost, withPort: true);
            case LogOperator.UpstreamCluster:
                return AppendIfSet(output, info.UpstreamCluster);
            case LogOperator.UpstreamLocalAddress:
                return AppendEndPoint(output, info.UpstreamLocalAddress, withPort: true);
            case LogOperator.DownstreamRemoteAddress:
                return AppendEndPoint(output, info.DownstreamRemoteAddress, withPort: true);
            case LogOperator.DownstreamRemoteAddressWithoutPort:
                return AppendEndPoint(output, info.DownstreamRemoteAddress, withPort: false);
            case LogOperator.DownstreamDirectRemoteAddress:
                return AppendEndPoint(output, info.DownstreamDirectRemoteAddress, withPort: true);
            case LogOperator.DownstreamDirectRemoteAddressWithoutPort:
                return AppendEndPoint(output, info.DownstreamDirectRemoteAddress, withPort: false);
            case LogOperator.DownstreamLocalAddress:
                return AppendEndPoint(output, info.DownstreamLocalAddress, withPort: true);
            case LogOperator.DownstreamLocalAddressWithoutPort:
                return AppendEndPoint(output, info.DownstreamLocalAddress, withPort: false);
            case LogOperator.RequestHeader:
                return info.TryAppendRequestHeader(segment.Text, output) ||
                    (segment.Fallback is not null && info.TryAppendRequestHeader(segment.Fallback, output));
            case LogOperator.ResponseHeader:
                return info.TryAppendResponseHeader(segment.Text, output) ||
                    (segment.Fallback is not null && info.TryAppendResponseHeader(segment.Fallback, output));
            case LogOperator.RouteName:
                return AppendIfSet(output, info.RouteName);
            case LogOperator.ConnectionTerminationDetails:
                return AppendIfSet(output, info.TerminationDetails);
            default:
                return false;
        }
    }

    private static bool AppendIfSet(StringBuilder output, string? value)
    {
        if (string.IsNullOrEmpty(value)) return false;
        output.Append(value);
        return true;
    }

    private static bool AppendEndPoint(StringBuilder output, EndPoint? endPoint, bool withPort)
    {
        switch (endPoint)
        {
            case IPEndPoint ip when withPort:
                output.Append(ip.ToString());
                return true;
            case IPEndPoint ip:
                output.Append(ip.Address.ToString());
                return true;
            case null:
                return false;
            default:
                output.Append(endPoint.ToString());
                return true;
        }
    }

    private static readonly (ResponseFlags Flag, string Code)[] s_flagCodes =
    {
        (ResponseFlags.NoHealthyUpstream, "UH"),
        (ResponseFlags.UpstreamConnectionFailure, "UF"),
        (ResponseFlags.UpstreamOverflow, "UO"),
        (ResponseFlags.NoRouteFound, "NR"),
        (ResponseFlags.UpstreamRetryLimitExceeded, "URX"),
        (ResponseFlags.StreamIdleTimeout, "SI"),
        (ResponseFlags.UpstreamConnectionTermination, "UC"),
        (ResponseFlags.DownstreamConnectionTermination, "DC"),
        (ResponseFlags.UpstreamRemoteReset, "UR"),
        (ResponseFlags.UpstreamRequestTimeout, "UT"),
        (ResponseFlags.DownstreamProtocolError, "DPE"),
        (ResponseFlags.UpstreamProtocolError, "UPE"),
        (ResponseFlags.NoClusterFound, "NC"),
        (ResponseFlags.FaultInjected, "FI"),
        (ResponseFlags.DelayInjected, "DI"),
        (ResponseFlags.RateLimited, "RL"),
        (ResponseFlags.UpstreamFallback, "FB"),
    };

    /// <summary>Envoy prints flags as their short codes joined by commas, or <c>-</c> for none.</summary>
    public static void AppendFlags(StringBuilder output, ResponseFlags flags)
    {
        if (flags == ResponseFlags.None)
        {
            output.Append('-');
            return;
        }
        var first = true;
        foreach (var (flag, code) in s_flagCodes)
        {
            if ((flags & flag) == 0) continue;
            if (!first) output.Append(',');
            output.Append(code);
            first = false;
        }
    }

    /// <summary>
    /// Formats a time: ISO 8601 in UTC with milliseconds by default (Envoy's default), otherwise a
    /// strftime pattern with Envoy's <c>%Nf</c> extension for fractional seconds.
    /// </summary>
    public static void AppendTime(StringBuilder output, DateTimeOffset time, string pattern)
    {
        var utc = time.UtcDateTime;
        if (pattern.Length == 0)
        {
            output.Append(utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            return;
        }
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c != '%' || i + 1 == pattern.Length)
            {
                output.Append(c);
                continue;
            }
            var code = pattern[++i];
            switch (code)
            {
                case 'Y': output.Append(utc.Year.ToString("D4", CultureInfo.InvariantCulture)); break;
                case 'm': output.Append(utc.Month.ToString("D2", CultureInfo.InvariantCulture)); break;
                case 'd': output.Append(utc.Day.ToString("D2", CultureInfo.InvariantCulture)); break;
                case 'H': output.Append(utc.Hour.ToString("D2", CultureInfo.InvariantCulture)); break;
                case 'M': output.Append(utc.Minute.ToString("D2", CultureInfo.InvariantCulture)); break;
                case 'S': output.Append(utc.Second.ToString("D2", CultureInfo.InvariantCulture)); break;
                case 'z': output.Append("+0000"); break;
                case 'Z': output.Append("UTC"); break;
                case 's': output.Append(time.ToUnixTimeSeconds()); break;
                case '%': output.Append('%'); break;
                case 'f':
                    output.Append((utc.Ticks % TimeSpan.TicksPerSecond * 100).ToString("D9", CultureInfo.InvariantCulture));
                    break;
                case >= '1' and <= '9' when i + 1 < pattern.Length && pattern[i + 1] == 'f':
                    var digits = code - '0';
                    var nanos = (utc.Ticks % TimeSpan.TicksPerSecond * 100).ToString("D9", CultureInfo.InvariantCulture);
                    output.Append(nanos, 0, Math.Min(digits, 9));
                    i++;
                    break;
                default:
                    output.Append('%').Append(code);
                    break;
            }
        }
    }
}
