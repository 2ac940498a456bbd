namespace Junction.Http.Http1;

/// <summary>Receives the field lines of a header section or of a chunked trailer section.</summary>
internal interface IHttp1HeadersHandler
{
    /// <summary>
    /// Called for each field line, in order, once the line (CRLF included) has been validated. The
    /// spans are valid only during the call.
    /// </summary>
    /// <param name="name">The field name: a non-empty token, case as sent. <see cref="KnownHeaders.Identify"/> recognises the ones the codec needs.</param>
    /// <param name="value">The field value without leading and trailing SP/HTAB; may be empty, may hold HTAB and bytes 0x80–0xFF.</param>
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);

    /// <summary>Called once, when the empty line ending the section has been consumed.</summary>
    void OnHeadersComplete();
}
