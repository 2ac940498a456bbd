using Junction.Network;
using Junction.Stats;

namespace Junction.HttpFilters;

/// <summary>
/// What an HTTP filter factory may use while it binds: the listener's context plus what belongs to the
/// connection manager the filter sits in.
/// </summary>
public interface IHttpFilterFactoryContext : IFilterFactoryContext
{
    /// <summary>
    /// The connection manager's stats scope, <c>http.&lt;stat_prefix&gt;.</c>. Filters whose Envoy stats live
    /// under the connection manager (such as <c>http.&lt;stat_prefix&gt;.fault.</c>) create their scope here;
    /// filters with a stat prefix of their own use <see cref="IFilterFactoryContext.Stats"/>.
    /// </summary>
    IStatsScope ConnectionManagerStats { get; }
}
