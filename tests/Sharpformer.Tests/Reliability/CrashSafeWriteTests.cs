using System.Security.Cryptography;
using Sharpformer.IO;
using Sharpformer.Training;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// Writes are crash-safe: a crash or a full disk at any point leaves the previous file or
/// checkpoint readable, and the error names what could not be written.
/// </summary>
public sealed class CrashSafeWriteTests : IDisposable
{
    private readonly CheckpointRun _c = new();

    public void Dispose()
    {
        DurableFile.Faults.AfterStep.Value = null;
        _c.Dispose();
    }

    private sealed class SimulatedCrash(string step) : Exception($"simulated crash after {step}");

    /// <summary>Throws (as a crash would stop the writer) after the <paramref name="occurrence"/>-th time <paramref name="step"/> completes.</summary>
    private static void CrashAfter(string step, int occurrence = 1)
    {
        int seen = 0;
        DurableFile.Faults.AfterStep.Value = s => { if (s == step && ++seen == occurrence) throw new SimulatedCrash(s); };
    }

    public static TheoryData<string, int> CrashPoints() => new()
    {
        { "flushed", 1 }, { "renamed", 1 }, { "synced", 2 }, { "synced", 4 },   // while the new checkpoint is being staged
        { "moved-aside", 1 }, { "moved-in", 1 }, { "old-deleted", 1 },           // while it replaces the old one
    };

    [Theory, MemberData(nameof(CrashPoints))]
    public void Replacing_a_checkpoint_keeps_a_readable_one_at_every_step(string step, int occurrence)
    {
        _c.Save(100);
        string step200 = _c.Save(200);
        CrashAfter(step, occurrence);
        Assert.Throws<SimulatedCrash>(() => _c.Save(200));                 // saved again, e.g. after a resume
        DurableFile.Faults.AfterStep.Value = null;

        // even before any clean-up, some intact checkpoint is chosen and loads
        var before = _c.Run.ChooseResumeCheckpoint();
        Assert.NotNull(before.Path);
        Assert.InRange(_c.Load(before.Path!), 100, 200);

        // the restarted trainer cleans up and finds step 200 (old or new contents) under its own name
        _c.Run.CleanStale();
        var after = _c.Run.ChooseResumeCheckpoint();
        Assert.Equal(step200, after.Path);
        Assert.Contains("checksums verified", after.Message);
        Assert.Equal(200, _c.Load(step200));
        Assert.Empty(Directory.GetFileSystemEntries(_c.Run.CheckpointsDir, ".tmp-*"));
    }

    [Fact]
    public void A_full_disk_while_saving_a_checkpoint_keeps_the_previous_one_and_names_the_checkpoint()
    {
        string step200 = _c.Save(200);
        byte[] model = File.ReadAllBytes(Path.Combine(step200, Checkpoint.ModelFileName));
        foreach (long capacity in new[] { 0L, 1000L, model.Length + 100L })      // in the model file, the optimizer file
        {
            using (FullDiskStream.Install(capacity))
            {
                var e = Assert.Throws<UserInputException>(() => _c.Save(200));
                Assert.Contains(step200, e.Message);
                Assert.Contains("No space left on device", e.Message);
                Assert.DoesNotContain('\n', e.Message);
            }
            Assert.Equal(model, File.ReadAllBytes(Path.Combine(step200, Checkpoint.ModelFileName)));
            Assert.Equal(step200, _c.Run.ChooseResumeCheckpoint().Path);
            Assert.Empty(Directory.GetFileSystemEntries(_c.Run.CheckpointsDir, ".tmp-*"));
        }
    }

    [Fact]
    public void A_full_disk_keeps_the_previous_run_options_latest_pointer_and_model_file()
    {
        string step100 = _c.Save(100);
        _c.Run.SaveOptions(CheckpointRun.Options(3));
        string model = Path.Combine(_c.Run.Root, "model.safetensors");
        SafeTensors.Write(model, [SafeTensor.FromFloats("w", [1f, 2f], 2)]);
        var files = new[] { _c.Run.OptionsPath, _c.LatestPointer, model };
        var before = files.Select(File.ReadAllBytes).ToList();
        using (FullDiskStream.Install(capacity: 3))
        {
            var writes = new Action[]
            {
                () => _c.Run.SaveOptions(CheckpointRun.Options(9)),
                () => _c.Run.SetLatest(_c.Run.CheckpointPath(200)),
                () => SafeTensors.Write(model, [SafeTensor.FromFloats("w", [3f, 4f], 2)]),
            };
            for (int i = 0; i < writes.Length; i++)
            {
                var e = Assert.Throws<UserInputException>(writes[i]);
                Assert.Contains(files[i], e.Message);
                Assert.Contains("No space left on device", e.Message);
            }
        }
        Assert.Equal(before, files.Select(File.ReadAllBytes));
        Assert.Equal(3, _c.Run.LoadOptions().Epochs);
        Assert.Equal(step100, _c.Run.ChooseResumeCheckpoint().Path);
        Assert.Empty(Directory.GetFileSystemEntries(_c.Run.Root, ".tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_durable_write_syncs_the_file_before_the_rename_and_the_folder_after_it()
    {
        var steps = new List<string>();
        DurableFile.Faults.AfterStep.Value = steps.Add;
        DurableFile.WriteAllText(Path.Combine(_c.Root, "x.txt"), "x");
        Assert.Equal(["flushed", "renamed", "synced"], steps);
        Assert.Equal("x", File.ReadAllText(Path.Combine(_c.Root, "x.txt")));
    }

    [Fact]
    public void Syncing_a_missing_folder_is_an_error_naming_it()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        string missing = Path.Combine(_c.Root, "no-such-folder");
        Assert.Contains(missing, Assert.Throws<UserInputException>(() => DurableFile.SyncDirectory(missing)).Message);
    }

    [Fact]
    public void The_manifest_lists_every_file_in_sha256sum_format_and_is_written_last()
    {
        string dir = _c.Save(100);
        var lines = File.ReadAllLines(Path.Combine(dir, CheckpointManifest.FileName));
        Assert.Equal([Checkpoint.ModelFileName, Checkpoint.OptimizerFileName, Checkpoint.StateFileName], lines.Select(l => l[66..]).Order());
        foreach (var line in lines)
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, line[66..])))) + "  ", line[..66]);
        var newest = Directory.GetFiles(dir).MaxBy(File.GetLastWriteTimeUtc)!;
        Assert.True(File.GetLastWriteTimeUtc(newest) <= File.GetLastWriteTimeUtc(Path.Combine(dir, CheckpointManifest.FileName)));
    }

    [Fact]
    public void Rewriting_a_checkpoints_state_keeps_it_verified()
    {
        string dir = _c.Save(100);
        var finished = Checkpoint.LoadState(dir) with { Finished = true };
        Checkpoint.SaveState(dir, finished);
        Assert.Equal(dir, _c.Run.ChooseResumeCheckpoint().Path);
        Assert.True(Checkpoint.LoadState(dir).Finished);

        // the trainer's own way of marking the final checkpoint finished (RunDirectory.WriteAtomically) too
        RunDirectory.WriteAtomically(Path.Combine(dir, Checkpoint.StateFileName),
            System.Text.Json.JsonSerializer.Serialize(finished with { BestBleu = 1 }, Sharpformer.Model.ModelFile.JsonOptions));
        var choice = _c.Run.ChooseResumeCheckpoint();
        Assert.Equal(dir, choice.Path);
        Assert.Contains("verified", choice.Message);
        Assert.DoesNotContain("not verified", choice.Message);
    }

    [Fact]
    public void Loading_a_checkpoint_refuses_non_finite_moments_naming_the_file_and_tensor()
    {
        string dir = _c.Run.CheckpointPath(100);
        Checkpoint.Save(dir, _c.Model, _c.Optimizer, new TrainingState { Step = 100 });
        // saving refuses a NaN (NonFiniteStepTests), so plant it in the file afterwards, as damage or an older version would
        string optimizer = Path.Combine(dir, Checkpoint.OptimizerFileName);
        var saved = SafeTensors.Read(optimizer);
        string name = "adam.v." + _c.Model.Parameters[0].Name;
        var poisoned = saved.Tensors.Values.Select(t =>
        {
            if (t.Name != name) return t;
            var values = t.ToFloats();
            values[3] = float.NaN;
            return SafeTensor.FromFloats(t.Name, values, t.Shape);
        }).ToList();
        SafeTensors.Write(optimizer, poisoned, saved.Metadata);
        var e = Assert.Throws<UserInputException>(() => _c.Load(dir));
        Assert.Contains(Path.Combine(dir, Checkpoint.OptimizerFileName), e.Message);
        Assert.Contains("adam.v." + _c.Model.Parameters[0].Name, e.Message);
        Assert.Contains("NaN", e.Message);
    }
}
