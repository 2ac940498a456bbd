using System.Text;
using Junction.Configuration;
using Junction.Network;

namespace Junction.Filters.DirectResponse;

/// <summary>
/// Registers <c>envoy.filters.network.direct_response</c>: answers every connection with fixed bytes and
/// closes it. Useful as a canned responder and in the embedded default configuration.
/// </summary>
public sealed class DirectResponseFactory : INetworkFilterFactory
{
    /// <inheritdoc />
    public string Name => "envoy.filters.network.direct_response";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases { get; } = new[] { "direct_response" };

    /// <inheritdoc />
    public IReadOnlyList<string> TypeUrls { get; } = new[] { "type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config" };

    /// <inheritdoc />
    public bool IsTerminal => true;

    /// <inheritdoc />
    public INetworkFilterProvider? Create(ConfigMap? typedConfig, ConfigNode entry, IFilterFactoryContext context)
    {
        var response = Array.Empty<byte>();
        if (typedConfig?.Map("response") is { } source)
        {
            // A DataSource: only inline forms; a file would be read once here, at configuration time.
            if (source.String("inline_string") is { } text) response = Encoding.UTF8.GetBytes(text);
            else if (source.String("inline_bytes") is { } base64)
            {
                try
                {
                    response = Convert.FromBase64String(base64);
                }
                catch (FormatException)
                {
                    source.Node("inline_bytes")!.Error("inline_bytes must be base64");
                }
            }
            else if (source.String("filename") is { } file)
            {
                try
                {
                    response = File.ReadAllBytes(file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    source.Node("filename")!.Error($"cannot read '{file}': {ex.Message}");
                }
            }
            source.Unsupported("environment_variable");
            source.RejectUnknownFields();
        }
        typedConfig?.RejectUnknownFields();
        return new DirectResponseProvider(response);
    }

    private sealed class DirectResponseProvider(byte[] response) : INetworkFilterProvider
    {
        public void CreateFilters(INetworkFilterChainBuilder chain) => chain.AddReadFilter(new DirectResponseFilter(response));
    }
}
