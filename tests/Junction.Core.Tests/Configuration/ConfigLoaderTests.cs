using Junction.Configuration;
using Junction.Core.Configuration;

namespace Junction.Core.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private const string File = ConfigAssert.FileName;

    private static (ConfigMap? Root, ConfigDiagnostics Diagnostics) Load(string yaml)
    {
        var diagnostics = new ConfigDiagnostics();
        return (ConfigLoader.Load(yaml, File, diagnostics), diagnostics);
    }

    [Fact]
    public void Nodes_carry_one_based_line_column_and_yaml_path()
    {
        var (root, diagnostics) = Load("""
            static_resources:
              clusters:
              - name: backend
                connect_timeout: 0.25s
            """);

        Assert.False(diagnostics.HasErrors);
        Assert.NotNull(root);
        Assert.Equal("", root.Path);
        Assert.Equal(new ConfigMark(File, 1, 1), root.Mark);

        var staticResources = Assert.IsType<ConfigMap>(root.Entries[0].Value);
        Assert.Equal("static_resources", staticResources.Path);
        Assert.Equal(new ConfigMark(File, 2, 3), staticResources.Mark);

        var clusters = Assert.IsType<ConfigSequence>(staticResources.Entries[0].Value);
        Assert.Equal("static_resources.clusters", clusters.Path);
        Assert.Equal(new ConfigMark(File, 3, 3), clusters.Mark);

        var cluster = Assert.IsType<ConfigMap>(Assert.Single(clusters.Items));
        Assert.Equal("static_resources.clusters[0]", cluster.Path);
        Assert.Equal(new ConfigMark(File, 3, 5), cluster.Mark);

        var (nameKey, name) = cluster.Entries[0];
        Assert.Equal(new ConfigMark(File, 3, 5), nameKey.Mark);
        Assert.Equal("static_resources.clusters[0].name", name.Path);
        Assert.Equal(new ConfigMark(File, 3, 11), name.Mark);
        Assert.Equal("backend", Assert.IsType<ConfigScalar>(name).Value);

        var timeout = cluster.Entries[1].Value;
        Assert.Equal("static_resources.clusters[0].connect_timeout", timeout.Path);
        Assert.Equal(new ConfigMark(File, 4, 22), timeout.Mark);
    }

    [Fact]
    public void Flow_collections_get_positions_and_indexed_paths()
    {
        var (root, _) = Load("""
            a: { b: [x, "y"] }
            """);

        var a = Assert.IsType<ConfigMap>(root!.Entries[0].Value);
        Assert.Equal(new ConfigMark(File, 1, 4), a.Mark);
        var b = Assert.IsType<ConfigSequence>(a.Entries[0].Value);
        Assert.Equal("a.b", b.Path);
        Assert.Equal(new ConfigMark(File, 1, 9), b.Mark);
        Assert.Equal("a.b[1]", b.Items[1].Path);
        Assert.Equal(new ConfigMark(File, 1, 13), b.Items[1].Mark);
    }

    [Theory]
    [InlineData("a: plain", false, false)]
    [InlineData("a: 'single'", true, false)]
    [InlineData("a: \"double\"", true, false)]
    [InlineData("a: null", false, true)]
    [InlineData("a: ~", false, true)]
    [InlineData("a:", false, true)]
    [InlineData("a: 'null'", true, false)]
    [InlineData("a: \"\"", true, false)]
    [InlineData("a: !!str null", true, false)]
    [InlineData("a: |\n  null\n", true, false)]
    public void Quoting_decides_whether_a_scalar_is_null(string yaml, bool quoted, bool isNull)
    {
        var (root, diagnostics) = Load(yaml);

        Assert.False(diagnostics.HasErrors);
        var scalar = Assert.IsType<ConfigScalar>(root!.Entries[0].Value);
        Assert.Equal(quoted, scalar.IsQuoted);
        Assert.Equal(isNull, scalar.IsNull);
    }

    [Theory]
    [InlineData("a: 1\nb: c: d\n", 2, 5, "invalid mapping")]
    [InlineData("a:\n  - x\n - y\n", 3, 2, "did not find expected key")]
    [InlineData("a: 1\nb: \"open", 2, 4, "found unexpected end of stream")] // at the opening quote
    public void Syntax_error_is_one_error_at_its_position(string yaml, int line, int column, string reason)
    {
        var (root, diagnostics) = Load(yaml);

        Assert.Null(root);
        ConfigAssert.SingleError(diagnostics, line, column, "", "invalid YAML: ");
        Assert.Contains(reason, diagnostics.Errors[0].Message, StringComparison.Ordinal);
        // YamlDotNet's own "(Line: 2, Col: 5, Idx: ..)" text would repeat the mark less readably.
        Assert.DoesNotContain("Line:", diagnostics.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unclosed_flow_sequence_is_an_error_not_a_crash()
    {
        // YamlDotNet throws InvalidOperationException rather than a YamlException for this input.
        var (root, diagnostics) = Load("""
            a: [1
            b: 2
            """);

        Assert.Null(root);
        var error = Assert.Single(diagnostics.Errors);
        Assert.Equal(1, error.Mark.Line);
        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_key_is_reported_at_the_second_occurrence_and_the_first_wins()
    {
        var (root, diagnostics) = Load("""
            listener:
              name: first
              port: 1
              name: second
            """);

        Assert.NotNull(root);
        ConfigAssert.SingleError(diagnostics, 4, 3, "listener.name", "duplicate key 'name' (first defined at line 2)");
        var listener = Assert.IsType<ConfigMap>(root.Entries[0].Value);
        Assert.Equal("first", listener.String("name"));
        Assert.Equal(2, listener.Entries.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n")]
    [InlineData("~\n")]
    public void Empty_document_is_an_error(string yaml)
    {
        var (root, diagnostics) = Load(yaml);

        Assert.Null(root);
        ConfigAssert.SingleError(diagnostics, 1, 1, "", "the configuration is empty");
    }

    [Theory]
    [InlineData("- a\n- b\n", "found a sequence")]
    [InlineData("hello\n", "found a scalar")]
    public void Root_must_be_a_mapping(string yaml, string found)
    {
        var (root, diagnostics) = Load(yaml);

        Assert.Null(root);
        ConfigAssert.SingleError(diagnostics, 1, 1, "", "expected a mapping at the top of the configuration, " + found);
    }

    [Fact]
    public void Mapping_keys_must_be_scalars()
    {
        var (root, diagnostics) = Load("""
            ok: 1
            ? [a, b]
            : 2
            """);

        Assert.NotNull(root);
        ConfigAssert.SingleError(diagnostics, 2, 3, "", "mapping keys must be scalars, found a sequence");
        Assert.Single(root.Entries);
    }

    [Fact]
    public void Alias_is_a_copy_with_the_path_of_its_use_and_the_position_of_its_anchor()
    {
        var (root, diagnostics) = Load("""
            defaults: &d
              timeout: 1s
            a: *d
            b: *d
            """);

        Assert.False(diagnostics.HasErrors);
        var a = Assert.IsType<ConfigMap>(root!.Entries[1].Value);
        var b = Assert.IsType<ConfigMap>(root.Entries[2].Value);
        Assert.Equal("a", a.Path);
        Assert.Equal(new ConfigMark(File, 1, 11), a.Mark); // an anchored mapping starts at its anchor
        Assert.Equal("b.timeout", b.Entries[0].Value.Path);
        Assert.Equal(new ConfigMark(File, 2, 12), b.Entries[0].Value.Mark);

        // Each use keeps its own record of read keys, so unknown-field checks stay per use.
        a.MarkRead("timeout");
        a.RejectUnknownFields();
        b.RejectUnknownFields();
        ConfigAssert.SingleError(diagnostics, 2, 3, "b.timeout", "unknown field 'timeout'");
    }

    [Fact]
    public void Alias_to_an_undefined_anchor_is_an_error()
    {
        var (root, diagnostics) = Load("""
            a: 1
            b: *nowhere
            """);

        Assert.Null(root);
        ConfigAssert.SingleError(diagnostics, 2, 4, "", "'*nowhere' refers to an anchor that is not defined");
    }

    [Fact]
    public void Second_document_is_an_error()
    {
        var (root, diagnostics) = Load("""
            a: 1
            ---
            b: 2
            """);

        Assert.Null(root);
        ConfigAssert.SingleError(diagnostics, 2, 1, "", "expected a single YAML document");
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        var yaml = "a: " + new string('[', 5000) + new string(']', 5000);

        var (root, diagnostics) = Load(yaml);

        Assert.Null(root);
        Assert.Contains("nested more than", Assert.Single(diagnostics.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alias_bomb_is_stopped_by_the_node_limit()
    {
        // Each level doubles the size: 2^25 nodes if expanded fully.
        var lines = new List<string> { "l0: &l0 [x, x]" };
        for (var i = 1; i <= 25; i++) lines.Add($"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]");

        var (root, diagnostics) = Load(string.Join("\n", lines));

        Assert.Null(root);
        Assert.Contains("nodes once aliases are expanded", Assert.Single(diagnostics.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_uses_the_path_in_marks()
    {
        var path = Path.Combine(Path.GetTempPath(), $"junction-{Guid.NewGuid():N}.yaml");
        System.IO.File.WriteAllText(path, "a: 1\nb: 2\n");
        try
        {
            var diagnostics = new ConfigDiagnostics();
            var root = ConfigLoader.LoadFile(path, diagnostics);

            Assert.NotNull(root);
            Assert.Equal(new ConfigMark(path, 2, 4), root.Entries[1].Value.Mark);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void LoadFile_reports_a_missing_file_at_line_one()
    {
        var path = Path.Combine(Path.GetTempPath(), $"junction-missing-{Guid.NewGuid():N}.yaml");
        var diagnostics = new ConfigDiagnostics();

        var root = ConfigLoader.LoadFile(path, diagnostics);

        Assert.Null(root);
        var error = Assert.Single(diagnostics.Errors);
        Assert.Equal(new ConfigMark(path, 1, 1), error.Mark);
        Assert.Contains("cannot read the configuration file", error.Message, StringComparison.Ordinal);
    }
}
