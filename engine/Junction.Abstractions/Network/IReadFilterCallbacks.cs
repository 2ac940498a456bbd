using System.Buffers;

namespace Junction.Network;

/// <summary>What the filter chain offers a read filter.</summary>
public interface IReadFilterCallbacks
{
    /// <summary>The connection the filter is installed on.</summary>
    INetworkConnection Connection { get; }

    /// <summary>
    /// Resumes a chain this filter stopped (by returning <see cref="FilterStatus.StopIteration"/>): the
    /// next filter is offered the new-connection event (if it has not seen it) and any buffered data.
    /// May be called from any thread.
    /// </summary>
    void ContinueReading();

    /// <summary>
    /// Offers <paramref name="data"/> to the filters after this one, as if it had been read from the
    /// socket. Used by filters that transform bytes: consume the input, then inject the result.
    /// Data the later filters do not consume is discarded.
    /// </summary>
    ValueTask InjectReadDataAsync(ReadOnlySequence<byte> data, bool endOfStream);
}
