namespace Sharpformer.IO;

/// <summary>
/// Crash-safe replacement of files and folders. A file is written to a temporary name next to its
/// target, flushed and fsynced, renamed over the target, and the folder is fsynced so the rename
/// itself is on disk: after a crash or power cut at any moment the target holds either the complete
/// old or the complete new contents, never a torn mix. Temporary names start with
/// <see cref="TempPrefix"/>, so <see cref="CleanStale"/> can remove what a crash left behind.
/// </summary>
public static class DurableFile
{
    public const string TempPrefix = ".tmp-";

    // A folder renamed aside while its replacement moves in; CleanStale renames it back if the crash came in between.
    private const string AsidePrefix = TempPrefix + "old-";

    /// <summary>Writes the file through <paramref name="write"/>; on failure the previous file (if any) is unchanged.</summary>
    /// <exception cref="UserInputException">The file cannot be written (disk full, no permission, …); the message names it.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        string tmp = TempPathFor(full);
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream stream = Faults.WrapStream.Value?.Invoke(file) ?? file;
                write(stream);
                stream.Flush();
                file.Flush(flushToDisk: true);
            }
            Faults.After("flushed");
            File.Move(tmp, full, overwrite: true);
            Faults.After("renamed");
        }
        catch (Exception e)
        {
            try { File.Delete(tmp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { /* CleanStale removes it later */ }
            if (e is IOException or UnauthorizedAccessException)
                throw new UserInputException($"{path}: could not be written ({OneLine(e.Message)}); any previous version is unchanged", e);
            throw;
        }
        NativeFile.SyncDirectory(folder);
        Faults.After("synced");
    }

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    public static void WriteAllText(string path, string text) => Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    public static void Copy(string source, string destination) => Write(destination, s => { using var from = File.OpenRead(source); from.CopyTo(s); });

    /// <summary>fsyncs a folder's entries (a no-op where the OS has no such call).</summary>
    public static void SyncDirectory(string directory) => NativeFile.SyncDirectory(Path.GetFullPath(directory));

    /// <summary>
    /// Moves the complete folder <paramref name="staged"/> to <paramref name="target"/>, replacing a folder of
    /// that name. Folders cannot be renamed over each other, so the old one is renamed aside first, the new one
    /// in, then the old one deleted, with an fsync of the parent after each rename; a crash between the two
    /// renames leaves the old folder under a name <see cref="CleanStale"/> restores.
    /// </summary>
    public static void ReplaceDirectory(string staged, string target)
    {
        target = Path.GetFullPath(target);
        string parent = Path.GetDirectoryName(target)!;
        NativeFile.SyncDirectory(Path.GetFullPath(staged));
        if (!Directory.Exists(target))
        {
            Directory.Move(staged, target);
            NativeFile.SyncDirectory(parent);
            Faults.After("moved-in");
            return;
        }
        string aside = Path.Combine(parent, $"{AsidePrefix}{Path.GetFileName(target)}-{Environment.ProcessId}");
        if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
        Directory.Move(target, aside);
        NativeFile.SyncDirectory(parent);
        Faults.After("moved-aside");
        try { Directory.Move(staged, target); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Directory.Move(aside, target);                                       // an error, not a crash: put the old one back now
            throw;
        }
        NativeFile.SyncDirectory(parent);
        Faults.After("moved-in");
        Directory.Delete(aside, recursive: true);
        NativeFile.SyncDirectory(parent);
        Faults.After("old-deleted");
    }

    /// <summary>
    /// Removes the temporary files and folders a crash left in <paramref name="directory"/>, and renames back a
    /// folder that was moved aside by <see cref="ReplaceDirectory"/> when its replacement never arrived.
    /// Only the single writer of the folder may call this (at its start): it deletes every temporary entry.
    /// Returns one line per action, for the caller to report.
    /// </summary>
    public static IReadOnlyList<string> CleanStale(string directory)
    {
        var done = new List<string>();
        if (!Directory.Exists(directory)) return done;
        foreach (string dir in Directory.GetDirectories(directory, AsidePrefix + "*").Order(StringComparer.Ordinal))
        {
            string? original = OriginalName(Path.GetFileName(dir));
            string target = original == null ? "" : Path.Combine(directory, original);
            if (original != null && !Directory.Exists(target) && !File.Exists(target))
            {
                Directory.Move(dir, target);
                done.Add($"{target}: restored from {Path.GetFileName(dir)}, left by an interrupted replacement");
            }
        }
        foreach (string entry in Directory.GetFileSystemEntries(directory, TempPrefix + "*"))
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
            done.Add($"{entry}: removed, a temporary left by an interrupted write");
        }
        if (done.Count > 0) NativeFile.SyncDirectory(Path.GetFullPath(directory));
        return done;
    }

    // ".tmp-old-step-00000100-resume-4242" → "step-00000100-resume": the name minus the prefix and the writer's process id
    private static string? OriginalName(string asideName)
    {
        string rest = asideName[AsidePrefix.Length..];
        int dash = rest.LastIndexOf('-');
        return dash > 0 && dash + 1 < rest.Length && rest[(dash + 1)..].All(char.IsAsciiDigit) ? rest[..dash] : null;
    }

    private static string TempPathFor(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $"{TempPrefix}{Path.GetFileName(full)}-{Environment.ProcessId}-{Random.Shared.Next():x8}");

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>
    /// Test seams: a wrapper around the stream being written (to simulate a full disk) and a callback after each
    /// step (to simulate a crash there by throwing). Async-local, so only the test that sets them is affected.
    /// </summary>
    internal static class Faults
    {
        internal static readonly AsyncLocal<Func<Stream, Stream>?> WrapStream = new();
        internal static readonly AsyncLocal<Action<string>?> AfterStep = new();

        internal static void After(string step)
        {
            AfterStep.Value?.Invoke(step);
            KillPoint.Reached(step);
        }
    }
}
