using System.Net;
using Junction.Core.Network;
using Junction.Network;

namespace Junction.Core.Model;

/// <summary>A listener as built from configuration: where to bind, its limits, stats and filter chain.</summary>
internal sealed record ListenerModel(
    string Name,
    IPEndPoint Address,
    bool DualMode,
    int Backlog,
    int BufferLimitBytes,
    long? ConnectionLimit,
    ListenerStats Stats,
    IReadOnlyList<INetworkFilterProvider> FilterChain);
