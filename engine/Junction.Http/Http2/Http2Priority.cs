namespace Junction.Http.Http2;

/// <summary>The RFC 7540 priority fields of a HEADERS or PRIORITY frame (RFC 9113 §5.3.1, §6.3).</summary>
internal readonly struct Http2Priority
{
    public Http2Priority(int streamDependency, bool exclusive, int weight)
    {
        StreamDependency = streamDependency;
        Exclusive = exclusive;
        Weight = weight;
    }

    /// <summary>The stream this one depends on; 0 is the root.</summary>
    public int StreamDependency { get; }

    public bool Exclusive { get; }

    /// <summary>1..256 (the wire carries the weight minus one).</summary>
    public int Weight { get; }
}
