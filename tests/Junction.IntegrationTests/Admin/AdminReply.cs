namespace Junction.IntegrationTests.Admin;

/// <summary>One HTTP response as a test reads it off the wire.</summary>
internal sealed record AdminReply(string StatusLine, int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"{StatusLine}\n{string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}"))}\n\n{Body}";
}
