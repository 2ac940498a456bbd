using Junction.Configuration;

namespace Junction.Filters;

/// <summary>
/// Envoy's <c>FractionalPercent</c>: <c>numerator</c> out of <c>denominator</c> (HUNDRED, TEN_THOUSAND or
/// MILLION), the share of requests a fault or a rate limit applies to.
/// </summary>
/// <param name="Numerator">How many of every <paramref name="Denominator"/>; more than the denominator means all.</param>
/// <param name="Denominator">100, 10 000 or 1 000 000.</param>
internal readonly record struct FractionalPercent(uint Numerator, uint Denominator)
{
    /// <summary>None at all: what an absent percentage means where Envoy defaults to 0 "for safety".</summary>
    public static readonly FractionalPercent Never = new(0, 100);

    /// <summary>Every request.</summary>
    public static readonly FractionalPercent Always = new(100, 100);

    /// <summary>The same denominator with a numerator no larger than this one's (Envoy's percentage headers may only lower it).</summary>
    public FractionalPercent CappedAt(uint numerator) => this with { Numerator = Math.Min(numerator, Numerator) };

    /// <summary>
    /// Draws whether this request is in the share. 0% and 100% draw nothing, so a test that replays a seeded
    /// <see cref="Random"/> sees exactly the draws the filter made.
    /// </summary>
    /// <param name="random"><see cref="Random.Shared"/> (thread-safe), or a seeded instance, which is locked around the draw.</param>
    public bool Sample(Random random)
    {
        if (Numerator == 0) return false;
        if (Numerator >= Denominator) return true;
        if (ReferenceEquals(random, Random.Shared)) return Random.Shared.NextInt64(Denominator) < Numerator;
        lock (random) return random.NextInt64(Denominator) < Numerator;
    }

    /// <summary>Binds a <c>FractionalPercent</c> mapping; errors are reported on its nodes.</summary>
    public static FractionalPercent Bind(ConfigMap map)
    {
        var numerator = (uint)map.Int64("numerator", 0, 0, uint.MaxValue);
        var denominator = map.Choice("denominator", 100u, ("HUNDRED", 100u), ("TEN_THOUSAND", 10_000u), ("MILLION", 1_000_000u));
        map.RejectUnknownFields();
        return new FractionalPercent(numerator, denominator);
    }
}
