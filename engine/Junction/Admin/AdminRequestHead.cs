using System.Text;
using Junction.Http.Http1;

namespace Junction.Host.Admin;

/// <summary>
/// Collects what the admin server needs from a request's start line and header section as the parser
/// reports them: the method and target, the framing fields, Host, Connection and Expect. A struct so
/// the parser is specialised for it; the filter keeps one in a field and passes it by reference, so a
/// header section may arrive in any number of reads.
/// </summary>
internal struct AdminRequestHead : IHttp1RequestLineHandler, IHttp1HeadersHandler
{
    private Http1FramingFacts _framing;

    public Http1Method Method { readonly get; private set; }

    public string MethodName { readonly get; private set; }

    /// <summary>The request target as sent (bytes above 0x7F kept as Latin-1 characters).</summary>
    public string Target { readonly get; private set; }

    public Http1Version Version { readonly get; private set; }

    public readonly Http1FramingFacts Framing => _framing;

    public int HostCount { readonly get; private set; }

    /// <summary>The Connection field lists <c>close</c>.</summary>
    public bool ConnectionClose { readonly get; private set; }

    /// <summary>The Connection field lists <c>keep-alive</c> (what keeps an HTTP/1.0 connection open).</summary>
    public bool ConnectionKeepAlive { readonly get; private set; }

    /// <summary>The request has <c>Expect: 100-continue</c>.</summary>
    public bool ExpectContinue { readonly get; private set; }

    /// <summary>The request has an Expect field with anything else (answered with 417).</summary>
    public bool UnsupportedExpectation { readonly get; private set; }

    /// <summary>
    /// Whether the connection stays open after the response (RFC 9112 §9.3): HTTP/1.1 unless the client
    /// sent <c>Connection: close</c>; HTTP/1.0 only when it sent <c>Connection: keep-alive</c>.
    /// </summary>
    public readonly bool KeepAlive => Version == Http1Version.Http11 ? !ConnectionClose : ConnectionKeepAlive && !ConnectionClose;

    public void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1Version version)
    {
        Method = method;
        MethodName = Encoding.ASCII.GetString(methodBytes);
        Target = Encoding.Latin1.GetString(target);
        Version = version;
    }

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var header = KnownHeaders.Identify(name);
        switch (header)
        {
            case KnownHeader.Host:
                HostCount++;
                break;
            case KnownHeader.ContentLength or KnownHeader.TransferEncoding:
                _framing.Add(header, value);
                break;
            case KnownHeader.Connection:
                AddConnectionOptions(value);
                break;
            case KnownHeader.Expect:
                if (Ascii.EqualsIgnoreCase(value, "100-continue"u8)) ExpectContinue = true;
                else UnsupportedExpectation = true;
                break;
        }
    }

    public readonly void OnHeadersComplete()
    {
    }

    private void AddConnectionOptions(ReadOnlySpan<byte> value)
    {
        foreach (var range in value.Split((byte)','))
        {
            var option = value[range].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(option, "close"u8)) ConnectionClose = true;
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8)) ConnectionKeepAlive = true;
        }
    }
}
