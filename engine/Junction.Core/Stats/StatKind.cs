namespace Junction.Core.Stats;

/// <summary>The kinds of stat the store holds.</summary>
internal enum StatKind : byte
{
    Counter,
    Gauge,
    Histogram,
}
