namespace Junction.Core.AccessLog;

/// <summary>The Envoy command operators Junction's access log formats understand.</summary>
internal enum LogOperator
{
    Literal,
    StartTime,
    Duration,
    BytesReceived,
    BytesSent,
    Protocol,
    ResponseCode,
    ResponseFlags,
    UpstreamHost,
    UpstreamCluster,
    UpstreamLocalAddress,
    DownstreamRemoteAddress,
    DownstreamRemoteAddressWithoutPort,
    DownstreamDirectRemoteAddress,
    DownstreamDirectRemoteAddressWithoutPort,
    DownstreamLocalAddress,
    DownstreamLocalAddressWithoutPort,
    RequestHeader,
    ResponseHeader,
    RouteName,
    ConnectionTerminationDetails,
}
