namespace Junction.Http.Http2;

/// <summary>What the first bytes of a connection say about the HTTP/2 client preface (see <see cref="Http2Preface.Match"/>).</summary>
internal enum Http2PrefaceMatch : byte
{
    /// <summary>The bytes so far are a proper prefix of the preface: read more before deciding.</summary>
    NeedMore,
    /// <summary>The connection starts with the whole preface: HTTP/2 with prior knowledge. Consume <see cref="Http2Preface.Length"/> bytes.</summary>
    Matches,
    /// <summary>Some byte differs: not an HTTP/2 client (with <c>codec_type: AUTO</c>, treat it as HTTP/1).</summary>
    Mismatch,
}
