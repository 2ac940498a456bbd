namespace Junction.Upstream;

/// <summary>The clusters of one configuration snapshot, looked up by name at configuration time.</summary>
public interface IClusterManager
{
    /// <summary>The cluster named <paramref name="name"/>, or null when there is none.</summary>
    IUpstreamCluster? Find(string name);
}
