using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Pipeline;

public sealed class CheckpointAveragingTests
{
    [Fact]
    public void Selects_the_newest_checkpoints_saved_within_a_time_limit_and_writes_their_mean()
    {
        using var tiny = new TinyRun(trainPairs: 120, validPairs: 10);
        var run = new RunDirectory(tiny.RunDir());
        new Trainer(run, tiny.Options(epochs: 3) with { KeepCheckpoints = 5 }).Run(resume: false);
        var all = run.Checkpoints();
        Assert.Equal(3, all.Count);
        var elapsed = all.Select(d => Checkpoint.LoadState(d).ElapsedSeconds).ToList();

        Assert.Equal(all.TakeLast(2), CheckpointAveraging.Select(run, last: 2));
        // A limit between the second and third checkpoint's time leaves the first two.
        double limit = (elapsed[1] + elapsed[2]) / 2;
        Assert.Equal(all.Take(2), CheckpointAveraging.Select(run, last: 5, limit));
        Assert.Equal(all.Skip(1).Take(1), CheckpointAveraging.Select(run, last: 1, limit));
        var e = Assert.Throws<UserInputException>(() => CheckpointAveraging.Select(run, last: 2, elapsed[0] / 2));
        Assert.Contains("no checkpoint was saved within", e.Message);

        string outDir = tiny.RunDir("averaged");
        string path = CheckpointAveraging.WriteAveragedRun(run, all.Take(2).ToList(), outDir);
        var averaged = ModelFile.LoadTransformer(path);
        var first = ModelFile.LoadTransformer(Path.Combine(all[0], Checkpoint.ModelFileName));
        var second = ModelFile.LoadTransformer(Path.Combine(all[1], Checkpoint.ModelFileName));
        for (int p = 0; p < averaged.Parameters.Count; p++)
        {
            var a = averaged.Parameters[p].Value.Span;
            var x = first.Parameters[p].Value.Span;
            var y = second.Parameters[p].Value.Span;
            for (int i = 0; i < a.Length; i++) Assert.Equal((x[i] + y[i]) * 0.5f, a[i], 1e-6f);
        }
        Assert.Equal(run.LoadTokenizer().VocabSize, new RunDirectory(outDir).LoadTokenizer().VocabSize);

        byte[] before = File.ReadAllBytes(path);
        var again = Assert.Throws<UserInputException>(() => CheckpointAveraging.WriteAveragedRun(run, all, outDir));
        Assert.Contains("already exists", again.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }
}
