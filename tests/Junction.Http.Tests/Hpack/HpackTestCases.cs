using System.Text;
using System.Text.Json;

namespace Junction.Http.Tests.Hpack;

/// <summary>
/// The shared hpack-test-case vectors: one directory per encoder implementation whose stories carry
/// the wire bytes, and <c>raw-data</c> with the header lists alone. Each story is a sequence of
/// header blocks sharing one compression context.
/// </summary>
/// <remarks>
/// Found through <c>JUNCTION_SHARED_DATA</c> (the shared <c>data</c> directory) or else at
/// <c>../shared/data/hpack-test-case</c> next to the directory holding <c>Engine.sln</c>, found by
/// walking up from the test assembly. Missing data fails the tests that need it: a silent skip
/// would let the decoder go unchecked.
/// </remarks>
internal static class HpackTestCases
{
    public const string EnvironmentVariable = "JUNCTION_SHARED_DATA";
    public const string RawData = "raw-data";

    /// <summary>The theory row that stands for "no data found", so that the theory fails instead of vanishing.</summary>
    public const string Missing = "(hpack-test-case not found)";

    private static readonly Lazy<(string? Directory, string Problem)> Location = new(Find);

    public static string Directory => Location.Value.Directory ?? throw new InvalidOperationException(Location.Value.Problem);

    /// <summary>Story files ("go-hpack/story_00.json") of every implementation directory, or of raw-data.</summary>
    public static TheoryData<string> StoryFiles(bool raw)
    {
        var data = new TheoryData<string>();
        if (Location.Value.Directory is not { } root)
        {
            data.Add(Missing);
            return data;
        }
        foreach (var implementation in System.IO.Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(implementation);
            if ((name == RawData) != raw) continue;
            foreach (var file in System.IO.Directory.GetFiles(implementation, "*.json").Order(StringComparer.Ordinal))
            {
                data.Add($"{name}/{Path.GetFileName(file)}");
            }
        }
        return data;
    }

    public static IReadOnlyList<StoryCase> Load(string story)
    {
        var path = Path.Combine(Directory, story);
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var cases = new List<StoryCase>();
        foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            int? tableSize = item.TryGetProperty("header_table_size", out var size) && size.ValueKind == JsonValueKind.Number ? size.GetInt32() : null;
            var wire = item.TryGetProperty("wire", out var hex) ? Hex.Bytes(hex.GetString()!) : null;
            var headers = new List<(string, string)>();
            foreach (var header in item.GetProperty("headers").EnumerateArray())
            {
                foreach (var property in header.EnumerateObject()) headers.Add((property.Name, property.Value.GetString()!));
            }
            cases.Add(new StoryCase(tableSize, wire, headers));
        }
        return cases;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private const string WorkstationData = "/work/shared/data/hpack-test-case";

    private static (string?, string) Find()
    {
        var overridden = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(overridden))
        {
            var fromVariable = Path.Combine(overridden, "hpack-test-case");
            return System.IO.Directory.Exists(fromVariable)
                ? (fromVariable, "")
                : (null, $"{EnvironmentVariable}={overridden}, but {fromVariable} does not exist.");
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (!File.Exists(Path.Combine(directory.FullName, "Engine.sln"))) continue;
            var candidate = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "data", "hpack-test-case"));
            if (System.IO.Directory.Exists(candidate)) return (candidate, "");
            // A checkout somewhere else on a workstation laid out as /work/<checkout> and /work/shared.
            if (System.IO.Directory.Exists(WorkstationData)) return (WorkstationData, "");
            return (null, $"The HPACK test vectors are not at {candidate} (nor at {WorkstationData}). Put hpack-test-case there or set {EnvironmentVariable} to the directory that contains it.");
        }
        return (null, $"No Engine.sln above {AppContext.BaseDirectory}, so the HPACK test vectors cannot be found. Set {EnvironmentVariable} to the directory that contains hpack-test-case.");
    }
}

/// <summary>One header block of a story.</summary>
/// <param name="HeaderTableSize">SETTINGS_HEADER_TABLE_SIZE acknowledged just before this block, when the story says.</param>
/// <param name="Wire">The encoded block (absent in raw-data).</param>
/// <param name="Headers">The header list, in order.</param>
internal sealed record StoryCase(int? HeaderTableSize, byte[]? Wire, IReadOnlyList<(string Name, string Value)> Headers);
