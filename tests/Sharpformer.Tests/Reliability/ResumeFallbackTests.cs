using Sharpformer.Training;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// Resuming picks the newest intact checkpoint: it follows checkpoints/latest only when that names a
/// checkpoint folder of this run whose checksums verify, and otherwise scans the folders newest step
/// first, saying which one it chose and why. Pruning never deletes a newer checkpoint that has not
/// been superseded.
/// </summary>
public sealed class ResumeFallbackTests : IDisposable
{
    private readonly CheckpointRun _c = new();
    private readonly string _step100, _step200;

    public ResumeFallbackTests()
    {
        _step100 = _c.Save(100);
        _step200 = _c.Save(200);
    }

    public void Dispose() => _c.Dispose();

    [Fact]
    public void An_intact_latest_pointer_is_followed()
    {
        var choice = _c.Run.ChooseResumeCheckpoint();
        Assert.Equal(_step200, choice.Path);
        Assert.Contains("step-00000200", choice.Message);
        Assert.Contains("verified", choice.Message);
        Assert.Equal(_step200, _c.Run.LatestCheckpoint());
        Assert.Equal(200, _c.Load(choice.Path!));
    }

    public static TheoryData<string> DamagedPointers() => new()
    {
        "empty", "blank", "garbage", "absolute path", "path outside the run", "parent folder", "missing folder", "deleted", "a folder",
    };

    [Theory, MemberData(nameof(DamagedPointers))]
    public void A_damaged_latest_pointer_falls_back_to_the_newest_intact_checkpoint(string damage)
    {
        // a complete, valid checkpoint outside the run with a higher step: following a bad pointer there would be wrong
        string outside = Path.Combine(_c.Root, "elsewhere", "checkpoints", "step-00000900");
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        foreach (var f in Directory.GetFiles(_step200)) { Directory.CreateDirectory(outside); File.Copy(f, Path.Combine(outside, Path.GetFileName(f))); }
        string pointer = _c.LatestPointer;
        switch (damage)
        {
            case "empty": File.WriteAllText(pointer, ""); break;
            case "blank": File.WriteAllText(pointer, " \n\t\n"); break;
            case "garbage": File.WriteAllBytes(pointer, [0x00, 0xFF, 0x0A, 0x1B, (byte)'x']); break;
            case "absolute path": File.WriteAllText(pointer, outside); break;
            case "path outside the run": File.WriteAllText(pointer, Path.Combine("..", "..", "elsewhere", "checkpoints", "step-00000900")); break;
            case "parent folder": File.WriteAllText(pointer, ".."); break;
            case "missing folder": File.WriteAllText(pointer, "step-00000300"); break;
            case "deleted": File.Delete(pointer); break;
            case "a folder": File.Delete(pointer); Directory.CreateDirectory(pointer); break;
        }
        var choice = _c.Run.ChooseResumeCheckpoint();
        Assert.Equal(_step200, choice.Path);
        Assert.Contains("latest", choice.Message);
        Assert.Contains("step-00000200", choice.Message);
        Assert.DoesNotContain('\n', choice.Message);
        Assert.Equal(_step200, _c.Run.LatestCheckpoint());
    }

    [Fact]
    public void A_deleted_newest_checkpoint_falls_back_to_the_previous_one()
    {
        Directory.Delete(_step200, recursive: true);
        var choice = _c.Run.ChooseResumeCheckpoint();
        Assert.Equal(_step100, choice.Path);
        Assert.Contains("does not exist", choice.Message);
        Assert.Equal(100, _c.Load(choice.Path!));
    }

    [Theory]
    [InlineData(Checkpoint.ModelFileName)]
    [InlineData(Checkpoint.OptimizerFileName)]
    [InlineData(Checkpoint.StateFileName)]
    public void A_corrupted_newest_checkpoint_fails_its_checksum_and_falls_back(string file)
    {
        CheckpointRun.FlipByte(Path.Combine(_step200, file));
        var choice = _c.Run.ChooseResumeCheckpoint();
        Assert.Equal(_step100, choice.Path);
        Assert.Contains(file, choice.Message);
        Assert.Contains("checksum", choice.Message);
        Assert.Equal(_step100, _c.Run.LatestCheckpoint());
    }

    [Fact]
    public void A_newest_checkpoint_missing_a_file_or_with_a_garbled_manifest_is_skipped()
    {
        File.Delete(Path.Combine(_step200, Checkpoint.OptimizerFileName));
        Assert.Equal(_step100, _c.Run.ChooseResumeCheckpoint().Path);
        string step300 = _c.Save(300);
        File.WriteAllText(Path.Combine(step300, CheckpointManifest.FileName), "not a checksum line\n");
        var choice = _c.Run.ChooseResumeCheckpoint();
        Assert.Equal(_step100, choice.Path);
        Assert.Contains(CheckpointManifest.FileName, choice.Message);
    }

    [Fact]
    public void Checkpoints_saved_without_checksums_still_load_newest_first()
    {
        foreach (var dir in new[] { _step100, _step200 }) File.Delete(Path.Combine(dir, CheckpointManifest.FileName));
        File.WriteAllText(_c.LatestPointer, "");
        var choice = _c.Run.ChooseResumeCheckpoint();
        Assert.Equal(_step200, choice.Path);
        Assert.Contains("not verified", choice.Message);
        Assert.Equal(200, _c.Load(choice.Path!));

        File.Delete(Path.Combine(_step200, Checkpoint.ModelFileName));             // incomplete, and nothing to check it against
        Assert.Equal(_step100, _c.Run.ChooseResumeCheckpoint().Path);
    }

    [Fact]
    public void The_scan_prefers_the_newest_step_and_at_equal_steps_the_scheduled_checkpoint()
    {
        string resume300 = _c.Save(300, resumeOnly: true);
        string scheduled300 = _c.Save(300, setLatest: false);
        string resume250 = _c.Save(250, resumeOnly: true, setLatest: false);
        File.WriteAllText(_c.LatestPointer, "garbage");
        Assert.Equal(scheduled300, _c.Run.ChooseResumeCheckpoint().Path);
        Directory.Delete(scheduled300, recursive: true);
        Assert.Equal(resume300, _c.Run.ChooseResumeCheckpoint().Path);
        CheckpointRun.FlipByte(Path.Combine(resume300, Checkpoint.ModelFileName));
        Assert.Equal(resume250, _c.Run.ChooseResumeCheckpoint().Path);
    }

    [Fact]
    public void With_no_intact_checkpoint_there_is_none_and_the_message_says_why()
    {
        CheckpointRun.FlipByte(Path.Combine(_step100, Checkpoint.ModelFileName));
        CheckpointRun.FlipByte(Path.Combine(_step200, Checkpoint.ModelFileName));
        var choice = _c.Run.ChooseResumeCheckpoint();
        Assert.Null(choice.Path);
        Assert.Contains("step-00000100", choice.Message);
        Assert.Contains("step-00000200", choice.Message);
        Assert.Null(_c.Run.LatestCheckpoint());

        using var empty = new CheckpointRun();
        Assert.Null(empty.Run.ChooseResumeCheckpoint().Path);
        Assert.Contains("No checkpoint", empty.Run.ChooseResumeCheckpoint().Message);
    }

    [Fact]
    public void Prune_keeps_a_newer_checkpoint_than_the_one_resumed_from_until_a_newer_intact_one_supersedes_it()
    {
        string resume300 = _c.Save(300, resumeOnly: true);
        CheckpointRun.FlipByte(Path.Combine(resume300, Checkpoint.ModelFileName));
        Assert.Equal(_step200, _c.Run.ChooseResumeCheckpoint().Path);           // resumed from 200 ...
        string step250 = _c.Save(250);                                           // ... trained on and saved 250
        _c.Run.Prune(keep: 1);
        Assert.True(Directory.Exists(resume300), "a newer checkpoint than the current one was deleted");
        Assert.True(Directory.Exists(step250));
        Assert.False(Directory.Exists(_step100));
        Assert.False(Directory.Exists(_step200));

        string step400 = _c.Save(400);
        _c.Run.Prune(keep: 1);
        Assert.False(Directory.Exists(resume300));                              // superseded by 400
        Assert.False(Directory.Exists(step250));
        Assert.Equal(step400, _c.Run.ChooseResumeCheckpoint().Path);
    }

    [Fact]
    public void Prune_with_a_damaged_pointer_keeps_the_newest_intact_checkpoint()
    {
        string resume300 = _c.Save(300, resumeOnly: true);
        File.WriteAllText(_c.LatestPointer, "garbage");
        _c.Run.Prune(keep: 5);
        Assert.True(Directory.Exists(resume300), "the newest intact checkpoint was pruned");
        Assert.Equal(resume300, _c.Run.ChooseResumeCheckpoint().Path);
        Assert.Equal(3, Directory.GetDirectories(_c.Run.CheckpointsDir).Length);
    }

    [Fact]
    public void Prune_still_keeps_the_newest_scheduled_checkpoints_and_only_the_latest_resume_one()
    {
        string resume150 = _c.Save(150, resumeOnly: true, setLatest: false);
        string step300 = _c.Save(300);
        string resume350 = _c.Save(350, resumeOnly: true);
        _c.Run.Prune(keep: 2);
        Assert.Equal([_step200, step300], _c.Run.Checkpoints());
        Assert.False(Directory.Exists(resume150));
        Assert.True(Directory.Exists(resume350));
        Assert.False(Directory.Exists(_step100));
    }

    [Fact]
    public void The_model_for_inference_falls_back_like_resume()
    {
        CheckpointRun.FlipByte(Path.Combine(_step200, Checkpoint.ModelFileName));
        Assert.Equal(Path.Combine(_step100, Checkpoint.ModelFileName), _c.Run.ModelPathForInference());
    }
}
