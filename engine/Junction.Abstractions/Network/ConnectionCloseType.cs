namespace Junction.Network;

/// <summary>How a connection is closed.</summary>
public enum ConnectionCloseType
{
    /// <summary>
    /// Send everything already written, then send FIN and close. Bytes still arriving from the peer are
    /// read and discarded for a short while so the peer sees our data before any reset.
    /// </summary>
    FlushWrite,

    /// <summary>Close now and drop anything not yet sent; the peer sees FIN.</summary>
    NoFlush,

    /// <summary>Close now with a TCP reset (RST), dropping anything not yet sent.</summary>
    AbortReset,
}
