using Junction.Configuration;

namespace Junction.Core.Configuration;

/// <summary>Binds <c>layered_runtime</c> and checks its keys.</summary>
internal static class RuntimeBinder
{
    private const string ListenerLimitPrefix = "envoy.resource_limits.listener.";
    private const string ListenerLimitSuffix = ".connection_limit";

    private static readonly string[] LayerKinds = ["static_layer", "disk_layer", "admin_layer", "rtds_layer"];

    /// <summary>
    /// Merges the static layers of <paramref name="layeredRuntime"/> into dotted keys, later layers
    /// overriding earlier ones. Keys are not checked here; see <see cref="Validate"/>.
    /// </summary>
    public static RuntimeConfig Bind(ConfigMap? layeredRuntime)
    {
        if (layeredRuntime is null) return RuntimeConfig.Empty;

        var values = new Dictionary<string, ConfigScalar>(StringComparer.Ordinal);
        foreach (var layer in layeredRuntime.Maps("layers"))
        {
            layer.String("name");
            var kinds = LayerKinds.Count(layer.Has);
            if (kinds != 1) layer.Error($"a runtime layer needs exactly one of {string.Join(", ", LayerKinds)}");

            if (layer.Map("static_layer") is { } staticLayer)
            {
                var layerValues = new Dictionary<string, ConfigScalar>(StringComparer.Ordinal);
                Flatten(staticLayer, "", layerValues);
                foreach (var (key, value) in layerValues) values[key] = value;
            }
            layer.Unsupported("disk_layer", "only static_layer is supported");
            layer.Unsupported("admin_layer", "only static_layer is supported");
            layer.Unsupported("rtds_layer", "only static_layer is supported");
            layer.RejectUnknownFields();
        }
        layeredRuntime.RejectUnknownFields();
        return new RuntimeConfig(values);
    }

    /// <summary>
    /// Reports every runtime key Junction does not understand, and every value that is wrong for its
    /// key, at the value's node. <paramref name="listenerNames"/> are the listeners keys may refer to.
    /// </summary>
    public static void Validate(RuntimeConfig runtime, IReadOnlySet<string> listenerNames)
    {
        foreach (var (key, value) in runtime.Values)
        {
            if (key.Length > ListenerLimitPrefix.Length + ListenerLimitSuffix.Length
                && key.StartsWith(ListenerLimitPrefix, StringComparison.Ordinal)
                && key.EndsWith(ListenerLimitSuffix, StringComparison.Ordinal))
            {
                // Listener names may themselves contain dots, so the name is everything between the two fixed parts.
                var listener = key[ListenerLimitPrefix.Length..^ListenerLimitSuffix.Length];
                if (!value.TryGetInt64(out var limit) || limit < 0)
                {
                    value.Error($"runtime key '{key}' needs a non-negative integer, found '{value.Value}'");
                }
                if (!listenerNames.Contains(listener))
                {
                    value.Error($"runtime key '{key}' refers to listener '{listener}', which is not defined");
                }
                continue;
            }
            value.Error($"unknown runtime key '{key}'");
        }
    }

    // Envoy reads a static layer as a protobuf Struct and joins nested keys with dots, so
    // {envoy: {resource_limits: ...}} and "envoy.resource_limits...." name the same key.
    private static void Flatten(ConfigMap map, string prefix, Dictionary<string, ConfigScalar> values)
    {
        foreach (var (keyNode, value) in map.Entries)
        {
            var key = prefix.Length == 0 ? keyNode.Value : prefix + "." + keyNode.Value;
            switch (value)
            {
                case ConfigMap nested:
                    Flatten(nested, key, values);
                    break;
                case ConfigScalar scalar when values.ContainsKey(key):
                    scalar.Error($"runtime key '{key}' is set more than once in this layer");
                    break;
                case ConfigScalar scalar:
                    values.Add(key, scalar);
                    break;
                default:
                    value.Error($"runtime values must be scalars or mappings, found {value.KindName}");
                    break;
            }
        }
    }
}
