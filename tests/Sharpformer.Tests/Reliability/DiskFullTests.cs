using System.Diagnostics;
using Sharpformer.IO;
using Sharpformer.Tests.Evaluation;
using Sharpformer.Tests.Pipeline;
using Sharpformer.Training;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// A full disk or a read-only folder in the middle of a run: one clear error line, exit code 2, and the
/// checkpoints saved before are intact and resume once there is room again. Where this machine lets the
/// test mount a small tmpfs (as root), the disk really fills up; elsewhere the failure is injected into
/// every durable write. The test log says which path ran.
/// </summary>
[Collection(EvaluationConsoleCollection.Name)]
public sealed class DiskFullTests(ITestOutputHelper log) : IDisposable
{
    private readonly TinyRun _tiny = new(trainPairs: 100, validPairs: 8);
    private string? _mount;

    public void Dispose()
    {
        if (_mount != null) Shell("umount", _mount);
        _tiny.Dispose();
    }

    private string[] TrainArgs(string output, int epochs, bool resume) =>
        TinyTrainArgs.For(_tiny, output, "--epochs", epochs.ToString(), "--resume", resume ? "" : null);

    private static int Shell(string command, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }           // no such program
    }

    /// <summary>A 4 MB tmpfs when mounting is allowed, else null.</summary>
    private string? TryMountTmpfs()
    {
        string dir = _tiny.RunDir("tmpfs");
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsLinux() || Shell("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir) != 0) return null;
        _mount = dir;
        return dir;
    }

    /// <summary>Fills the file system up to <paramref name="room"/> free bytes.</summary>
    private static void FillUp(string folder, long room)
    {
        using var filler = new FileStream(Path.Combine(folder, "filler"), FileMode.Create);
        var block = new byte[4096];
        try { while (true) filler.Write(block); }
        catch (IOException) { }                                               // full
        filler.SetLength(Math.Max(0, filler.Length - room));
    }

    private static void AssertCleanFailure(InProcessCli.Result r, string path, string output)
    {
        Assert.True(r.Crash == null, $"{path}: {r}");
        Assert.True(r.Exit == 2, $"{path}: {r}");
        string[] lines = r.Err.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal) && lines[0].Contains(output),
            $"{path}: one error line naming a file in {output} expected:\n{r.Err}");
        Assert.DoesNotContain("   at ", r.Err + r.Out);
    }

    private static void AssertCheckpointsIntact(string output, IReadOnlyDictionary<string, byte[]> saved)
    {
        var run = new RunDirectory(output);
        foreach (var (dir, model) in saved)
        {
            Assert.Equal(CheckpointIntegrity.Verified, CheckpointManifest.Verify(dir).Integrity);
            Assert.Equal(model, File.ReadAllBytes(Path.Combine(dir, Checkpoint.ModelFileName)));
        }
        Assert.Equal(saved.Keys.Max(), run.ChooseResumeCheckpoint().Path);
    }

    private static Dictionary<string, byte[]> Snapshot(string output) =>
        new RunDirectory(output).Checkpoints().ToDictionary(d => d, d => File.ReadAllBytes(Path.Combine(d, Checkpoint.ModelFileName)));

    [Fact]
    public void A_full_disk_mid_run_is_one_error_line_and_the_saved_checkpoints_resume()
    {
        string? mount = TryMountTmpfs();
        string path = mount != null ? "tmpfs of 4 MB, filled up" : "injected ENOSPC in every durable write (mounting not allowed here)";
        log.WriteLine($"disk-full path: {path}");
        string output = Path.Combine(mount ?? _tiny.Root, "run");

        var first = InProcessCli.Run(null, TrainArgs(output, epochs: 1, resume: false));
        Assert.True(first.Exit == 0, first.ToString());
        var saved = Snapshot(output);
        Assert.NotEmpty(saved);

        InProcessCli.Result full;
        if (mount != null)
        {
            FillUp(mount, room: 64 << 10);                                    // room to start, none for a checkpoint
            full = InProcessCli.Run(null, TrainArgs(output, epochs: 2, resume: true));
            File.Delete(Path.Combine(mount, "filler"));
        }
        else
        {
            using (FullDiskStream.Install(capacity: 0)) full = InProcessCli.Run(null, TrainArgs(output, epochs: 2, resume: true));
        }
        log.WriteLine(full.Err);
        AssertCleanFailure(full, path, output);
        Assert.Contains("No space left on device", full.Err);
        AssertCheckpointsIntact(output, saved);

        var again = InProcessCli.Run(null, TrainArgs(output, epochs: 2, resume: true));
        Assert.True(again.Exit == 0, $"{path}: {again}");
        Assert.Equal(2, new RunDirectory(output).Checkpoints().Count);
    }

    [Fact]
    public void A_folder_that_became_read_only_is_one_error_line_and_the_checkpoints_stay()
    {
        string? mount = TryMountTmpfs();
        string path = mount != null ? "tmpfs remounted read-only" : "injected permission error in every durable write (mounting not allowed here)";
        log.WriteLine($"read-only path: {path}");
        string output = Path.Combine(mount ?? _tiny.Root, "run");
        var first = InProcessCli.Run(null, TrainArgs(output, epochs: 1, resume: false));
        Assert.True(first.Exit == 0, first.ToString());
        var saved = Snapshot(output);

        InProcessCli.Result refused;
        if (mount != null)
        {
            Assert.Equal(0, Shell("mount", "-o", "remount,ro", mount));
            refused = InProcessCli.Run(null, TrainArgs(output, epochs: 2, resume: true));
            Assert.Equal(0, Shell("mount", "-o", "remount,rw", mount));
        }
        else
        {
            DurableFile.Faults.WrapStream.Value = _ => throw new UnauthorizedAccessException("Access to the path is denied.");
            try { refused = InProcessCli.Run(null, TrainArgs(output, epochs: 2, resume: true)); }
            finally { DurableFile.Faults.WrapStream.Value = null; }
        }
        AssertCleanFailure(refused, path, output);
        AssertCheckpointsIntact(output, saved);
    }
}
