namespace Junction.Http.Http2.Hpack;

/// <summary>
/// Why a header block could not be decoded. Every value but <see cref="HeaderListTooLarge"/> means
/// the block broke RFC 7541 and the two ends no longer agree on the dynamic table: a connection
/// error of type COMPRESSION_ERROR (RFC 9113 §4.3).
/// </summary>
internal enum HpackDecodingError : byte
{
    /// <summary>The block ends inside a representation (an integer, or a string longer than what is left).</summary>
    Truncated = 1,

    /// <summary>An integer is above <see cref="int.MaxValue"/> or has more than five continuation bytes.</summary>
    IntegerOverflow,

    /// <summary>An indexed field or an indexed name refers to index 0, which RFC 7541 §6.1 reserves.</summary>
    IndexZero,

    /// <summary>An index is beyond the end of the dynamic table.</summary>
    IndexOutOfRange,

    /// <summary>A Huffman-coded string contains the EOS symbol (RFC 7541 §5.2).</summary>
    HuffmanEndOfString,

    /// <summary>A Huffman-coded string ends with more than 7 bits of padding.</summary>
    HuffmanPaddingTooLong,

    /// <summary>A Huffman-coded string ends with bits that are not a prefix of EOS (padding that is not all ones).</summary>
    HuffmanInvalidPadding,

    /// <summary>A dynamic table size update asks for more than the SETTINGS_HEADER_TABLE_SIZE this endpoint allows.</summary>
    TableSizeUpdateTooLarge,

    /// <summary>A dynamic table size update follows a field representation (RFC 7541 §4.2: only at the start of a block).</summary>
    TableSizeUpdateNotAtStart,

    /// <summary>
    /// This endpoint lowered SETTINGS_HEADER_TABLE_SIZE below the table's size and the first block
    /// after it does not start with a dynamic table size update (RFC 7541 §4.2 requires one).
    /// </summary>
    TableSizeUpdateMissing,

    /// <summary>
    /// The decoded fields add up to more than the maximum header list size (name + value + 32 per
    /// field, RFC 9113 §6.5.2). Not a compression error: the whole block was still decoded, so the
    /// dynamic table stays in step and the caller may refuse just the stream (HTTP 431 for a request).
    /// </summary>
    HeaderListTooLarge,
}
