using System.Buffers;
using Junction.Upstream;

namespace Junction.Http.ConnectionManager;

/// <summary>A shadow request (a route mirror) whose head is ready and which waits for the request body to complete.</summary>
/// <param name="Cluster">The mirror cluster.</param>
/// <param name="Head">The shadow's request head (Host suffixed <c>-shadow</c>), framed as the primary's body.</param>
/// <param name="Timeout">The route timeout, which bounds the shadow too.</param>
/// <param name="Stats">The mirror cluster's request stats.</param>
internal sealed record PendingShadow(IUpstreamCluster Cluster, ArrayBufferWriter<byte> Head, TimeSpan? Timeout, UpstreamRequestStats Stats);
