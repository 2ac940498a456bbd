using Junction.Configuration;
using Junction.HttpFilters;
using Junction.Network;

namespace Junction.Filters.Buffer;

/// <summary>
/// Registers <c>envoy.filters.http.buffer</c>: holds each request until its whole body has arrived, so the
/// upstream gets it in one piece with a Content-Length (and a slow client never ties up an upstream
/// connection). A body over <c>max_request_bytes</c> is answered with 413.
/// </summary>
public sealed class BufferFactory : IHttpFilterFactory
{
    /// <inheritdoc />
    public string Name => "envoy.filters.http.buffer";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = ["buffer"];

    /// <inheritdoc />
    public IReadOnlyList<string> TypeUrls { get; } = ["type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer"];

    /// <inheritdoc />
    public IHttpFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IHttpFilterFactoryContext context)
    {
        if (typedConfig is null)
        {
            entry.Error("envoy.filters.http.buffer needs a typed_config with max_request_bytes");
            return null;
        }
        var max = BindMaxRequestBytes(typedConfig);
        typedConfig.RejectUnknownFields();
        return max is { } value ? new BufferProvider(new BufferSettings(value)) : null;
    }

    /// <inheritdoc />
    public object? BindRouteConfig(ConfigMap config, IHttpFilterFactoryContext context)
    {
        // Envoy's BufferPerRoute: exactly one of disabled: true or buffer: { max_request_bytes }.
        var hasDisabled = config.Has("disabled");
        var disabled = config.Bool("disabled", false);
        var buffer = config.Map("buffer");
        long? max = null;
        if (buffer is not null)
        {
            max = BindMaxRequestBytes(buffer);
            buffer.RejectUnknownFields();
        }
        config.RejectUnknownFields();
        if (hasDisabled == (buffer is not null))
        {
            config.Error("BufferPerRoute needs exactly one of 'disabled: true' or 'buffer'");
            return null;
        }
        if (hasDisabled && !disabled)
        {
            config.Node("disabled")!.Error("disabled must be true here (to buffer with other settings, give 'buffer' instead)");
            return null;
        }
        if (disabled) return BufferSettings.Disabled;
        return max is { } value ? new BufferSettings(value) : null;
    }

    private static long? BindMaxRequestBytes(ConfigMap map)
    {
        if (!map.Has("max_request_bytes"))
        {
            map.Error("missing required field 'max_request_bytes'");
            return null;
        }
        return map.Int64("max_request_bytes", 0, min: 1, max: uint.MaxValue);
    }

    private sealed class BufferProvider(BufferSettings settings) : IHttpFilterProvider
    {
        public IHttpStreamFilter CreateFilter() => new BufferFilter(settings);
    }
}

/// <summary>The buffer filter's settings: the listener-wide ones, or a route's override.</summary>
/// <param name="MaxRequestBytes">The largest body held; more is answered with 413.</param>
internal sealed record BufferSettings(long MaxRequestBytes)
{
    /// <summary>A route's <c>disabled: true</c>: requests pass without being held.</summary>
    public static readonly BufferSettings Disabled = new(-1);
}
