using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Junction.Configuration;
using Junction.Core.Configuration;

namespace Junction.Host.Admin;

/// <summary>
/// <c>/config_dump</c>: the loaded bootstrap, in the shape of Envoy's ConfigDump
/// (<c>{"configs":[{"@type":"...BootstrapConfigDump","bootstrap":{...},"last_updated":...}]}</c>).
/// The bootstrap is the configuration tree as written (not with defaults filled in).
/// </summary>
/// <remarks>
/// YAML scalars carry no type here (binders parse them), so the JSON types are inferred the way YAML's
/// core schema would: quoted scalars are strings; unquoted <c>true</c>/<c>false</c> are booleans,
/// <c>null</c>/<c>~</c>/empty are null, and decimal numbers without leading zeros are numbers;
/// everything else (durations such as <c>5s</c>, addresses, names) is a string.
/// </remarks>
internal sealed partial class ConfigDumpHandler(BootstrapConfig? bootstrap, DateTimeOffset loadedAt)
{
    public AdminResponse ConfigDump(AdminRequest request) => AdminResponse.Json(json =>
    {
        json.WriteStartObject();
        json.WriteStartArray("configs");
        json.WriteStartObject();
        json.WriteString("@type", "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump");
        json.WritePropertyName("bootstrap");
        if (bootstrap is not null)
        {
            WriteNode(bootstrap.Node, json);
        }
        else
        {
            json.WriteStartObject();
            json.WriteEndObject();
        }
        json.WriteString("last_updated", loadedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    });

    /// <summary>Writes a configuration node as a JSON value.</summary>
    public static void WriteNode(ConfigNode node, Utf8JsonWriter json)
    {
        switch (node)
        {
            case ConfigMap map:
                json.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    json.WritePropertyName(key.Value);
                    WriteNode(value, json);
                }
                json.WriteEndObject();
                break;
            case ConfigSequence sequence:
                json.WriteStartArray();
                foreach (var item in sequence.Items) WriteNode(item, json);
                json.WriteEndArray();
                break;
            case ConfigScalar scalar:
                WriteScalar(scalar, json);
                break;
        }
    }

    private static void WriteScalar(ConfigScalar scalar, Utf8JsonWriter json)
    {
        if (scalar.IsQuoted)
        {
            json.WriteStringValue(scalar.Value);
        }
        else if (scalar.IsNull)
        {
            json.WriteNullValue();
        }
        else if (scalar.Value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            json.WriteBooleanValue(scalar.Value[0] is 't' or 'T');
        }
        else if (JsonNumber().IsMatch(scalar.Value) &&
                 double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            // The text is already a valid JSON number: keep it exactly (no float rounding of 64-bit integers).
            json.WriteRawValue(scalar.Value, skipInputValidation: false);
        }
        else
        {
            json.WriteStringValue(scalar.Value);
        }
    }

    // JSON's number grammar (RFC 8259 §6), which is also YAML core schema's for these forms.
    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
    private static partial Regex JsonNumber();
}
