using System.Text;
using Junction.Http.Http1;
using Junction.Http.Http2.Hpack;

namespace Junction.Http.ConnectionManager.Http2;

/// <summary>
/// Turns the decoded header block of an HTTP/2 request into a <see cref="MessageHead"/> (the form
/// routing, filters and the HTTP/1.1 upstream writer read), checking it against RFC 9113 §8: the four
/// pseudo-headers (exactly once, before the regular fields, no others), lower-case names, no
/// connection-specific fields, TE only as "trailers", one Content-Length. A request that breaks a rule
/// is malformed: <see cref="Error"/> says why and the stream is reset with PROTOCOL_ERROR.
/// </summary>
/// <remarks>
/// Cookie fields, which HTTP/2 splits into one field per cookie, are joined with "; " (§8.2.3) because
/// an HTTP/1.1 upstream must get one Cookie line.
/// </remarks>
internal sealed class Http2RequestHead
{
    private readonly StringBuilder _cookie = new();
    private byte[] _method = [];
    private byte[] _path = [];
    private byte[]? _authority;
    private bool _hasMethod;
    private bool _hasScheme;
    private bool _hasPath;
    private bool _regularSeen;

    public MessageHead Head { get; } = new();

    /// <summary>Why the request is malformed, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>The Content-Length the client declared, or -1.</summary>
    public long ContentLength { get; private set; } = -1;

    /// <summary>The scheme the client gave (":scheme").</summary>
    public bool SchemeIsHttps { get; private set; }

    public void Reset()
    {
        Head.Reset();
        _cookie.Clear();
        _authority = null;
        _hasMethod = _hasScheme = _hasPath = _regularSeen = false;
        Error = null;
        ContentLength = -1;
        SchemeIsHttps = false;
    }

    /// <summary>After the block: completes the head (request line, Host from :authority, cookies); false when malformed.</summary>
    public bool Complete()
    {
        if (Error is not null) return false;
        if (!_hasMethod || !_hasScheme || !_hasPath) return Fail("a request needs :method, :scheme and :path");
        if (_authority is null && Head.Find(KnownHeader.Host) < 0) return Fail("a request needs :authority or host");
        // The fields are already in the head; the request line goes first in its buffer only by
        // convention, so it can be set now.
        Head.SetRequestLine(Http1Parser.IdentifyMethod(_method), _method, _path, Http1Version.Http11);
        if (_authority is not null)
        {
            // :authority wins over a host field (RFC 9113 §8.3.1): drop any, then add it as Host.
            Head.Drop("host"u8);
            Head.AddField("host"u8, _authority);
        }
        if (_cookie.Length > 0) Head.AddField("cookie"u8, Encoding.Latin1.GetBytes(_cookie.ToString()));
        return true;
    }

    /// <summary>One decoded field.</summary>
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (Error is not null) return;
        if (name.IsEmpty) Fail("empty field name");
        else if (name[0] == (byte)':') AddPseudo(name, value);
        else AddRegular(name, value);
    }

    private void AddPseudo(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_regularSeen)
        {
            Fail("pseudo-header after a regular field");
            return;
        }
        if (name.SequenceEqual(":method"u8))
        {
            if (_hasMethod || value.IsEmpty || value.ContainsAnyExcept(Http1Characters.Token)) Fail("bad or repeated :method");
            else if (value.SequenceEqual("CONNECT"u8)) Fail("CONNECT is not supported");
            _method = value.ToArray();
            _hasMethod = true;
        }
        else if (name.SequenceEqual(":scheme"u8))
        {
            if (_hasScheme || value.IsEmpty) Fail("bad or repeated :scheme");
            SchemeIsHttps = value.SequenceEqual("https"u8);
            _hasScheme = true;
        }
        else if (name.SequenceEqual(":path"u8))
        {
            // origin-form (or "*" for OPTIONS); no whitespace or controls, as in an HTTP/1.1 request line.
            if (_hasPath || value.IsEmpty || (value[0] != (byte)'/' && !value.SequenceEqual("*"u8)) || value.IndexOfAnyInRange((byte)0, (byte)' ') >= 0 || value.Contains((byte)0x7F))
            {
                Fail("bad or repeated :path");
            }
            _path = value.ToArray();
            _hasPath = true;
        }
        else if (name.SequenceEqual(":authority"u8))
        {
            if (_authority is not null || value.IndexOfAnyInRange((byte)0, (byte)' ') >= 0) Fail("bad or repeated :authority");
            _authority = value.ToArray();
        }
        else
        {
            Fail("unknown pseudo-header");
        }
    }

    private void AddRegular(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        _regularSeen = true;
        if (name.ContainsAnyExcept(Http1Characters.Token) || name.IndexOfAnyInRange((byte)'A', (byte)'Z') >= 0)
        {
            Fail("field names must be lower-case tokens");
            return;
        }
        // Values may not hold CR, LF or NUL, nor start or end with whitespace (RFC 9113 §8.2.1).
        if (value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0 || (!value.IsEmpty && (IsSpace(value[0]) || IsSpace(value[^1]))))
        {
            Fail("invalid field value");
            return;
        }
        switch (KnownHeaders.Identify(name))
        {
            case KnownHeader.Connection or KnownHeader.KeepAlive or KnownHeader.ProxyConnection or KnownHeader.TransferEncoding or KnownHeader.Upgrade:
                Fail("connection-specific field in HTTP/2");
                return;
            case KnownHeader.TE when !value.SequenceEqual("trailers"u8):
                Fail("te other than trailers");
                return;
            case KnownHeader.TE:
                // Kept (as a hop-by-hop field an HTTP/1.1 upstream never gets) for HTTP/2 upstreams,
                // where gRPC needs it.
                Head.AddField(name, value);
                return;
            case KnownHeader.ContentLength:
                if (ContentLength >= 0 || !long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
                {
                    Fail("bad or repeated content-length");
                    return;
                }
                ContentLength = length;
                return;
        }
        if (name.SequenceEqual("cookie"u8))
        {
            if (_cookie.Length > 0) _cookie.Append("; ");
            _cookie.Append(Encoding.Latin1.GetString(value));
            return;
        }
        Head.AddField(name, value);
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t';

    private bool Fail(string reason)
    {
        Error ??= reason;
        return false;
    }

    /// <summary>The HPACK handler that feeds a <see cref="Http2RequestHead"/>.</summary>
    public readonly struct Handler(Http2RequestHead target) : IHpackHeaderHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex) => target.Add(name, value);
    }
}
