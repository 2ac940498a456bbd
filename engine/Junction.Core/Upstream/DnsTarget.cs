namespace Junction.Core.Upstream;

/// <summary>One configured endpoint of a DNS cluster: a name to resolve, its port and weight.</summary>
internal sealed record DnsTarget(string Hostname, int Port, int Weight);
