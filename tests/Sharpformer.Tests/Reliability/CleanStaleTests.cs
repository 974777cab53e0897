using System.Text.Json;
using Sharpformer.Training;

namespace Sharpformer.Tests.Reliability;

/// <summary>What a crash leaves behind, and <see cref="RunDirectory.CleanStale"/> putting the run folder back in order.</summary>
public sealed class CleanStaleTests : IDisposable
{
    private readonly CheckpointRun _c = new();

    public void Dispose() => _c.Dispose();

    [Fact]
    public void Stale_temporary_files_and_folders_are_removed_and_nothing_else()
    {
        string step100 = _c.Save(100);
        _c.Run.SaveOptions(CheckpointRun.Options(1));
        var run = _c.Run;
        string stagedCheckpoint = Path.Combine(run.CheckpointsDir, ".tmp-step-00000200-4242");
        Directory.CreateDirectory(stagedCheckpoint);
        File.WriteAllText(Path.Combine(stagedCheckpoint, Checkpoint.ModelFileName), "half");
        string[] staleFiles =
        [
            Path.Combine(run.Root, ".tmp-run.json-4242-0badf00d"),
            Path.Combine(run.Root, ".tmp-best.safetensors-4242-12345678"),
            Path.Combine(run.CheckpointsDir, ".tmp-latest-4242-abcdef01"),
            Path.Combine(step100, ".tmp-state.json-4242-00000001"),
            Path.Combine(run.Root, "run.json.tmp"),                     // names the writer used before
            Path.Combine(run.CheckpointsDir, "latest.tmp"),
            Path.Combine(step100, "state.json.tmp"),
        ];
        foreach (var f in staleFiles) File.WriteAllText(f, "torn");
        var keep = Directory.GetFileSystemEntries(run.Root, "*", SearchOption.AllDirectories)
            .Except(staleFiles).Where(p => !p.StartsWith(stagedCheckpoint, StringComparison.Ordinal)).Order().ToList();

        var report = run.CleanStale();
        Assert.Equal(staleFiles.Length + 1, report.Count);
        Assert.All(report, line => Assert.DoesNotContain('\n', line));
        Assert.Equal(keep, Directory.GetFileSystemEntries(run.Root, "*", SearchOption.AllDirectories).Order());
        Assert.Equal(step100, run.ChooseResumeCheckpoint().Path);
        Assert.Empty(run.CleanStale());
    }

    [Fact]
    public void A_checkpoint_moved_aside_by_an_interrupted_replacement_is_restored()
    {
        string step100 = _c.Save(100);
        string aside = Path.Combine(_c.Run.CheckpointsDir, ".tmp-old-step-00000100-4242");
        Directory.Move(step100, aside);                             // the crash came before the new one moved in
        var report = _c.Run.CleanStale();
        Assert.Contains(report, line => line.Contains("restored"));
        Assert.False(Directory.Exists(aside));
        Assert.Equal(step100, _c.Run.ChooseResumeCheckpoint().Path);
        Assert.Equal(100, _c.Load(step100));
    }

    [Fact]
    public void A_set_aside_copy_is_deleted_when_the_replacement_arrived()
    {
        string step100 = _c.Save(100);
        string aside = Path.Combine(_c.Run.CheckpointsDir, ".tmp-old-step-00000100-4242");
        Directory.CreateDirectory(aside);
        _c.Run.CleanStale();
        Assert.False(Directory.Exists(aside));
        Assert.Equal(step100, _c.Run.ChooseResumeCheckpoint().Path);
    }

    [Fact]
    public void A_torn_last_metrics_line_is_cut_and_the_next_record_starts_a_line()
    {
        var run = _c.Run;
        Directory.CreateDirectory(run.Root);
        run.AppendMetrics(new { step = 1 });
        run.AppendMetrics(new { step = 2 });
        string complete = File.ReadAllText(run.MetricsPath);
        File.AppendAllText(run.MetricsPath, "{\"step\":3,\"lo");           // the crash came mid-line
        Assert.Contains(run.CleanStale(), line => line.Contains("metrics.jsonl"));
        Assert.Equal(complete, File.ReadAllText(run.MetricsPath));
        Assert.Empty(run.CleanStale());

        // without a clean-up, a new record still never joins a torn one
        File.AppendAllText(run.MetricsPath, "{\"step\":3,\"lo");
        run.AppendMetrics(new { step = 4 });
        var lines = File.ReadAllLines(run.MetricsPath);
        Assert.Equal(4, lines.Length);
        Assert.Equal(4, JsonDocument.Parse(lines[^1]).RootElement.GetProperty("step").GetInt32());
    }

    [Fact]
    public void Opening_a_run_folder_removes_nothing_so_a_reader_never_disturbs_a_writer()
    {
        _c.Save(100);
        string staged = Path.Combine(_c.Run.CheckpointsDir, ".tmp-step-00000200-4242");
        Directory.CreateDirectory(staged);
        var again = new RunDirectory(_c.Run.Root);
        Assert.NotNull(again.ChooseResumeCheckpoint().Path);
        again.ModelPathForInference();
        Assert.True(Directory.Exists(staged));
    }
}
