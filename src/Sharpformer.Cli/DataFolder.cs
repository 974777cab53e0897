namespace Sharpformer.Cli;

/// <summary>Finds the bundled data folder: --data if given, else "data" in the current folder or above the tool.</summary>
public static class DataFolder
{
    public static string Resolve(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
            return Directory.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : throw new UserInputException($"--data: folder {explicitPath} does not exist");
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "data");
                if (Directory.Exists(Path.Combine(candidate, "multi30k"))) return candidate;
            }
        throw new UserInputException("--data: no data folder found (looked for data/multi30k in the current folder, above it, and above the tool); pass --data DIR");
    }
}
