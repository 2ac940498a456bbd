using System.Text;
using static Junction.Http.Http1.Http1Characters;

namespace Junction.Http.Http1;

/// <summary>
/// What a header section says about framing, collected while its fields are parsed: a handler
/// passes each Content-Length and Transfer-Encoding value to <see cref="Add"/>, then asks
/// <see cref="Http1Framing"/> for the decision. Values are digested at once (no strings, no copies),
/// so a malformed value is remembered as a reason and decided on with the rest.
/// </summary>
internal struct Http1FramingFacts
{
    private Http1RejectReason _contentLengthError;
    private int _codingCount;
    private int _chunkedCount;
    private bool _lastCodingIsChunked;

    /// <summary>Whether any Content-Length field was seen.</summary>
    public bool HasContentLength { readonly get; private set; }

    /// <summary>The Content-Length value; meaningful when <see cref="HasContentLength"/> and no error.</summary>
    public long ContentLength { readonly get; private set; }

    /// <summary>
    /// <see cref="Http1RejectReason.InvalidContentLength"/> or <see cref="Http1RejectReason.ConflictingContentLength"/>
    /// for the first bad Content-Length seen, else None.
    /// </summary>
    public readonly Http1RejectReason ContentLengthError => _contentLengthError;

    /// <summary>Whether any Transfer-Encoding field was seen.</summary>
    public bool HasTransferEncoding { readonly get; private set; }

    /// <summary>Transfer codings listed, over all Transfer-Encoding fields (empty list elements not counted).</summary>
    public readonly int CodingCount => _codingCount;

    /// <summary>How many of the codings are <c>chunked</c>.</summary>
    public readonly int ChunkedCount => _chunkedCount;

    /// <summary>Whether the final coding is exactly <c>chunked</c> (no parameters).</summary>
    public readonly bool LastCodingIsChunked => _lastCodingIsChunked;

    /// <summary>Takes a field if it is Content-Length or Transfer-Encoding; ignores any other.</summary>
    public void Add(KnownHeader header, ReadOnlySpan<byte> value)
    {
        if (header == KnownHeader.ContentLength) AddContentLength(value);
        else if (header == KnownHeader.TransferEncoding) AddTransferEncoding(value);
    }

    /// <summary>
    /// Takes one Content-Length field value. A list (<c>5, 5</c>) and repeated fields are accepted
    /// when every element is the same number (RFC 9110 §8.6 allows folding them); a different number
    /// is <see cref="Http1RejectReason.ConflictingContentLength"/>, as in Envoy. Each element must be
    /// 1*DIGIT: no sign, no inner space, no empty element, at most 2^63-1.
    /// </summary>
    public void AddContentLength(ReadOnlySpan<byte> value)
    {
        while (true)
        {
            var comma = value.IndexOf((byte)',');
            var element = (comma < 0 ? value : value[..comma]).Trim(Whitespace);
            if (!TryParseDecimal(element, out var length))
            {
                NoteContentLengthError(Http1RejectReason.InvalidContentLength);
            }
            else if (HasContentLength && length != ContentLength)
            {
                NoteContentLengthError(Http1RejectReason.ConflictingContentLength);
            }
            else
            {
                HasContentLength = true;
                ContentLength = length;
            }
            if (comma < 0) break;
            value = value[(comma + 1)..];
        }
        HasContentLength = true;
    }

    /// <summary>
    /// Takes one Transfer-Encoding field value: a comma-separated list of codings, added after those
    /// of earlier fields. Empty list elements are skipped (RFC 9110 §5.6.1); <c>chunked</c> is
    /// matched ignoring case; a coding with parameters counts as some other coding.
    /// </summary>
    public void AddTransferEncoding(ReadOnlySpan<byte> value)
    {
        HasTransferEncoding = true;
        while (true)
        {
            var comma = value.IndexOf((byte)',');
            var coding = (comma < 0 ? value : value[..comma]).Trim(Whitespace);
            if (!coding.IsEmpty)
            {
                _codingCount++;
                _lastCodingIsChunked = Ascii.EqualsIgnoreCase(coding, "chunked"u8);
                if (_lastCodingIsChunked) _chunkedCount++;
            }
            if (comma < 0) break;
            value = value[(comma + 1)..];
        }
    }

    private void NoteContentLengthError(Http1RejectReason reason)
    {
        if (_contentLengthError == Http1RejectReason.None) _contentLengthError = reason;
    }

    private static bool TryParseDecimal(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty) return false;
        foreach (var b in digits)
        {
            var digit = b - '0';
            if ((uint)digit > 9 || value > (long.MaxValue - digit) / 10) return false;
            value = (value * 10) + digit;
        }
        return true;
    }
}
