namespace Junction.Core.Stats;

/// <summary>A counter's or gauge's value at the moment a <see cref="StatsSnapshot"/> was taken.</summary>
internal readonly record struct StatValue(string Name, StatKind Kind, long Value);
