using System.Security.Cryptography;
using System.Text;
using Sharpformer.IO;

namespace Sharpformer.Training;

/// <summary>How far a checkpoint folder can be trusted.</summary>
public enum CheckpointIntegrity
{
    /// <summary>Every file matches the SHA-256 recorded when it was saved.</summary>
    Verified,
    /// <summary>Saved before checksums existed: complete, but nothing to check the contents against.</summary>
    Unverified,
    /// <summary>A file is missing, unreadable or differs from its checksum: not to be resumed from.</summary>
    Damaged,
}

/// <summary>The verdict on one checkpoint folder; <see cref="Detail"/> is a phrase for messages ("checksums verified", "model.safetensors fails its checksum").</summary>
public sealed record CheckpointCheck(CheckpointIntegrity Integrity, string Detail)
{
    public bool Usable => Integrity != CheckpointIntegrity.Damaged;
}

/// <summary>
/// checksums.sha256 in a checkpoint folder: one "hex  name" line per file, in the format of
/// <c>sha256sum</c> (so <c>sha256sum -c checksums.sha256</c> checks a checkpoint by hand). It is
/// written last: a folder whose manifest is complete and matches was saved completely, and a
/// flipped bit anywhere in the weights, moments or state shows up before they are trusted.
/// </summary>
public static class CheckpointManifest
{
    public const string FileName = "checksums.sha256";

    /// <summary>The files a checkpoint consists of; all must be present and listed.</summary>
    public static IReadOnlyList<string> Files { get; } = [Checkpoint.ModelFileName, Checkpoint.OptimizerFileName, Checkpoint.StateFileName];

    private const int MaxManifestBytes = 64 * 1024; // a few lines; anything longer is not ours

    /// <summary>Hashes the checkpoint's files as they are on disk and writes the manifest durably.</summary>
    public static void Write(string directory) =>
        WriteLines(directory, Files.ToDictionary(f => f, f => Hash(Path.Combine(directory, f))));

    /// <summary>
    /// Re-hashes one file after it was deliberately rewritten (state.json when a run finishes), keeping the
    /// other lines as they were, so corruption of the other files is still caught. No-op without a manifest.
    /// </summary>
    public static void Refresh(string directory, string fileName)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path) || !Files.Contains(fileName)) return;
        var (lines, _) = ReadLines(path);
        if (lines == null) return;                                               // damaged: stays damaged
        lines[fileName] = Hash(Path.Combine(directory, fileName));
        WriteLines(directory, lines);
    }

    /// <summary>Checks a checkpoint folder against its manifest (or, for one saved before manifests, that it is complete).</summary>
    public static CheckpointCheck Verify(string directory)
    {
        foreach (string f in Files)
        {
            var (kind, _) = NativeFile.Inspect(Path.Combine(directory, f));
            if (kind != NativeFile.Kind.RegularFile) return Damaged(kind == NativeFile.Kind.Missing ? $"lacks {f}" : $"has a {f} that is not a regular file");
        }
        string manifest = Path.Combine(directory, FileName);
        var (manifestKind, length) = NativeFile.Inspect(manifest);
        if (manifestKind == NativeFile.Kind.Missing) return new CheckpointCheck(CheckpointIntegrity.Unverified, "saved without checksums, not verified");
        if (manifestKind != NativeFile.Kind.RegularFile || length > MaxManifestBytes) return Damaged($"has an unreadable {FileName}");
        var (lines, problem) = ReadLines(manifest);
        if (lines == null) return Damaged($"has an unreadable {FileName} ({problem})");
        foreach (string f in Files)
        {
            if (!lines.TryGetValue(f, out string? expected)) return Damaged($"has a {FileName} that does not list {f}");
            string actual;
            try { actual = Hash(Path.Combine(directory, f)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Damaged($"has an unreadable {f} ({e.Message.ReplaceLineEndings(" ")})"); }
            if (actual != expected) return Damaged($"fails its checksum: {f} differs from what was saved");
        }
        return new CheckpointCheck(CheckpointIntegrity.Verified, "checksums verified");
    }

    private static CheckpointCheck Damaged(string detail) => new(CheckpointIntegrity.Damaged, detail);

    private static string Hash(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static (Dictionary<string, string>? Lines, string Problem) ReadLines(string path)
    {
        string text;
        try { text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException) { return (null, "cannot be read"); }
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<64 lowercase hex>  <file name>", exactly as sha256sum writes it
            if (line.Length < 67 || line[64] != ' ' || line[65] != ' ' || !line[..64].All(char.IsAsciiHexDigitLower)
                || !lines.TryAdd(line[66..], line[..64]))
                return (null, "a line is not '<sha256>  <file>'");
        }
        return (lines, "");
    }

    private static void WriteLines(string directory, Dictionary<string, string> lines) =>
        DurableFile.WriteAllText(Path.Combine(directory, FileName),
            string.Concat(lines.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Value}  {l.Key}\n")));
}
