namespace Junction.IntegrationTests.ProcessTests;

/// <summary>The checkout the tests were built from: the nearest directory above the test binaries that holds Engine.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Engine.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"no directory above {AppContext.BaseDirectory} contains Engine.sln");
    }
}
