namespace Junction.Http.Http1;

/// <summary>Maps a rejection of a downstream request to the status of the reply sent before closing.</summary>
internal static class Http1RejectReasonExtensions
{
    /// <summary>
    /// The status a server answers a rejected request with. Rejections that can only come from a
    /// response (status line) map to 502, which is what the downstream sees for a malformed upstream
    /// response of any kind.
    /// </summary>
    public static int ToStatusCode(this Http1RejectReason reason) => reason switch
    {
        Http1RejectReason.RequestLineTooLong => 414,
        Http1RejectReason.InvalidVersion or Http1RejectReason.Http2Preface => 505,
        Http1RejectReason.HeadersTooLarge or Http1RejectReason.TooManyHeaders => 431,
        Http1RejectReason.UnsupportedTransferEncoding => 501,
        Http1RejectReason.StatusLineTooLong or Http1RejectReason.InvalidStatusLine or Http1RejectReason.InvalidStatusCode => 502,
        _ => 400,
    };
}
