namespace Sharpformer.Tests;

/// <summary>Where the tests find the repository and its fixtures.</summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding Sharpformer.slnx).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The golden folder: $GOLDEN_DIR when set, else the repo's tests/fixtures/golden.</summary>
    public static string GoldenDir
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("GOLDEN_DIR");
            return string.IsNullOrWhiteSpace(env) ? Path.Combine(RepoRoot, "tests", "fixtures", "golden") : Path.GetFullPath(env);
        }
    }

    /// <summary>The bundled data folder (data/ at the repo root).</summary>
    public static string DataDir => Path.Combine(RepoRoot, "data");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Sharpformer.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find Sharpformer.slnx above " + AppContext.BaseDirectory);
    }
}
