namespace Junction.IntegrationTests.ProcessTests;

/// <summary>A fresh directory under the system temp directory for a test's configuration files; deleted on dispose.</summary>
internal sealed class TempConfigDirectory : IDisposable
{
    public TempConfigDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "junction-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="yaml"/> to <paramref name="fileName"/> in this directory and returns its full path.</summary>
    public string Write(string fileName, string yaml)
    {
        var path = System.IO.Path.Combine(Path, fileName);
        File.WriteAllText(path, yaml);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover file in the temp directory is not worth failing a test over.
        }
    }
}
