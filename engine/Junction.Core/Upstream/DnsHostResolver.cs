using System.Net;
using System.Net.Sockets;
using Junction.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace Junction.Core.Upstream;

/// <summary>
/// Keeps a DNS cluster's hosts current: resolves every target at warm-up and then every
/// <c>dns_refresh_rate</c>. STRICT_DNS makes a host of every address returned; LOGICAL_DNS uses only the
/// first. A failed refresh keeps the previous hosts (and is counted), so a DNS blip never empties a cluster.
/// </summary>
internal sealed class DnsHostResolver(
    Cluster cluster,
    IReadOnlyList<DnsTarget> targets,
    DnsLookupFamily family,
    TimeSpan refreshRate,
    bool logical,
    ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _refreshLoop = Task.CompletedTask;

    /// <summary>Resolves once; returns false when any target failed.</summary>
    public async Task<bool> ResolveAsync(CancellationToken cancellationToken)
    {
        cluster.Stats.DnsUpdateAttempts.Increment();
        var hosts = new List<UpstreamHost>();
        var ok = true;
        foreach (var target in targets)
        {
            try
            {
                var addresses = await LookupAsync(target.Hostname, cancellationToken).ConfigureAwait(false);
                foreach (var address in addresses)
                {
                    hosts.Add(new UpstreamHost(new IPEndPoint(address, target.Port), target.Weight, target.Hostname));
                    if (logical) break;
                }
            }
            catch (SocketException ex)
            {
                ok = false;
                logger.LogWarning("cluster {Cluster}: DNS lookup of {Host} failed: {Error}", cluster.Name, target.Hostname, ex.SocketErrorCode);
            }
        }

        if (ok)
        {
            cluster.Stats.DnsUpdateSuccesses.Increment();
            cluster.SetHosts(new HostSet(hosts.ToArray()));
        }
        else
        {
            cluster.Stats.DnsUpdateFailures.Increment();
            if (cluster.Hosts.Count == 0) cluster.SetHosts(new HostSet(hosts.ToArray()));
        }
        return ok;
    }

    /// <summary>Starts refreshing in the background until disposed.</summary>
    public void StartRefreshing() => _refreshLoop = RefreshLoopAsync();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _refreshLoop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(refreshRate);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await ResolveAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<IReadOnlyList<IPAddress>> LookupAsync(string hostname, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(hostname, out var literal)) return new[] { literal };
        switch (family)
        {
            case DnsLookupFamily.V4Only:
                return await Dns.GetHostAddressesAsync(hostname, AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false);
            case DnsLookupFamily.V6Only:
                return await Dns.GetHostAddressesAsync(hostname, AddressFamily.InterNetworkV6, cancellationToken).ConfigureAwait(false);
        }

        var all = await Dns.GetHostAddressesAsync(hostname, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false);
        var v4 = all.Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToList();
        var v6 = all.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6).ToList();
        return family switch
        {
            // Envoy's AUTO prefers IPv6 and falls back to IPv4.
            DnsLookupFamily.Auto => v6.Count > 0 ? v6 : v4,
            DnsLookupFamily.V4Preferred => v4.Count > 0 ? v4 : v6,
            _ => v4.Concat(v6).ToList(),
        };
    }
}
