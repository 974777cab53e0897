using Sharpformer.IO;
using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Layers;
using Sharpformer.Tests.Pipeline;
using Sharpformer.Training;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// A NaN or an infinity in a step's loss or gradients never reaches the weights: the step is skipped (no
/// Adam update) and reported, many in a row stop the run with a clear message, and nothing non-finite is
/// ever saved. NaNs are injected into the gradients after the backward pass (<see cref="NonFiniteGuard.AfterBackward"/>).
/// </summary>
public sealed class NonFiniteStepTests
{
    private static readonly TransformerConfig Config = TinyModel.Config(Activation.Relu, normFirst: false, 1, 1, dropout: 0.1f, PositionEncodingKind.Sinusoidal);

    private static Seq2SeqBatch Batch(TinyModel t) =>
        new(t.Source, t.TargetIn, t.TargetOut, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, TinyModel.Pad);

    private static IDisposable Poison(Func<long, bool> atStep, float value = float.NaN)
    {
        NonFiniteGuard.AfterBackward.Value = (step, parameters) => { if (atStep(step)) parameters[^1].Grad.Span[0] = value; };
        return new Undo(() => NonFiniteGuard.AfterBackward.Value = null);
    }

    private sealed class Undo(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    // A model of the architecture and a batch to train it on.
    private static (ITrainableModel Model, Seq2SeqBatch Batch) ModelAndBatch(string architecture)
    {
        if (architecture == Transformer.ArchitectureName)
        {
            var t = new TinyModel(Config, 0.1f, ForwardContext.Eval);
            return (t.Model, Batch(t));
        }
        var model = Rnn.TinyRnn.Build(architecture, RecurrentCellKind.Gru, seed: 4, layers: 1);
        var rng = new Random(4);
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(3, 13)).ToArray();
        return (model, Seq2SeqBatch.FromSequences([Ids(5), Ids(3), Ids(4)], [Ids(4), Ids(5), Ids(2)], Rnn.TinyRnn.Pad, Rnn.TinyRnn.Bos, Rnn.TinyRnn.Eos));
    }

    [Theory]
    [InlineData("transformer", float.NaN)]
    [InlineData("transformer", float.PositiveInfinity)]
    [InlineData("rnn", float.NaN)]
    [InlineData("rnn-attn-additive", float.NegativeInfinity)]
    public void A_step_with_a_non_finite_gradient_changes_neither_weights_nor_moments(string architecture, float poison)
    {
        var (model, batch) = ModelAndBatch(architecture);
        var step = new TrainStep(model, new OptimizerSettings { Warmup = 10 }, 3);
        var first = step.Run(batch);
        Assert.False(first.Skipped);
        var weights = model.Parameters.Select(p => p.Value.Span.ToArray()).ToArray();
        var m = step.Optimizer.FirstMoments.Select(x => x.ToArray()).ToArray();
        var v = step.Optimizer.SecondMoments.Select(x => x.ToArray()).ToArray();

        TrainStep.Result poisoned;
        using (Poison(_ => true, poison)) poisoned = step.Run(batch);
        Assert.True(poisoned.Skipped);
        Assert.False(double.IsFinite(poisoned.GradNorm));
        Assert.Equal(1, step.Step);
        for (int i = 0; i < weights.Length; i++)
        {
            Assert.Equal(weights[i], model.Parameters[i].Value.Span.ToArray());
            Assert.Equal(m[i], step.Optimizer.FirstMoments[i]);
            Assert.Equal(v[i], step.Optimizer.SecondMoments[i]);
        }

        var next = step.Run(batch);                                           // the next good batch trains as usual
        Assert.False(next.Skipped);
        Assert.Equal(2, step.Step);
        Assert.NotEqual(weights[0], model.Parameters[0].Value.Span.ToArray());
    }

    private sealed class Messages : ITrainingObserver
    {
        public List<string> Lines { get; } = [];
        public void OnMessage(string message) => Lines.Add(message);
    }

    [Fact]
    public void A_run_skips_and_reports_a_poisoned_step_and_ends_with_finite_files()
    {
        using var tiny = new TinyRun(trainPairs: 100, validPairs: 8);
        var options = tiny.Options(epochs: 1) with { AverageLast = 1, Threads = 1 };
        var clean = new Trainer(tiny.RunDir("clean"), options).Run();
        var messages = new Messages();
        TrainingSummary poisoned;
        int backwardPasses = 0;                                               // a skipped step does not advance the step count, so count passes
        using (Poison(_ => ++backwardPasses == 4)) poisoned = new Trainer(tiny.RunDir("poisoned"), options, messages).Run();
        Assert.Equal(clean.State.Step - 1, poisoned.State.Step);              // one batch was not applied
        Assert.Single(messages.Lines, l => l.StartsWith("Skipped a step", StringComparison.Ordinal) && l.Contains("NaN"));
        foreach (string file in Directory.GetFiles(tiny.RunDir("poisoned"), "*.safetensors", SearchOption.AllDirectories))
            SafeTensors.Read(file, requireFinite: true);
    }

    [Fact]
    public void Too_many_non_finite_steps_in_a_row_stop_the_run_and_keep_the_checkpoints_saved_before()
    {
        using var tiny = new TinyRun(trainPairs: 100, validPairs: 8);
        var options = tiny.Options(epochs: 2) with { AverageLast = 1, Threads = 1, MaxNonFiniteSteps = 3 };
        var run = new RunDirectory(tiny.RunDir("diverging"));
        new Trainer(run, options with { Epochs = 1 }).Run();
        string saved = run.ChooseResumeCheckpoint().Path!;
        byte[] savedModel = File.ReadAllBytes(Path.Combine(saved, Checkpoint.ModelFileName));

        UserInputException e;
        using (Poison(step => step > 20)) e = Assert.Throws<UserInputException>(() => new Trainer(run, options).Run(resume: true));
        Assert.Equal(nameof(TrainingOptions.MaxNonFiniteSteps), e.Field);
        Assert.Contains("3 steps in a row", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(saved, run.ChooseResumeCheckpoint().Path);
        Assert.Equal(savedModel, File.ReadAllBytes(Path.Combine(saved, Checkpoint.ModelFileName)));
        foreach (string file in Directory.GetFiles(run.Root, "*.safetensors", SearchOption.AllDirectories))
            SafeTensors.Read(file, requireFinite: true);
    }

    [Fact]
    public void An_rnn_model_with_a_non_finite_weight_or_moment_is_never_saved()
    {
        using var tiny = new TinyRun(trainPairs: 1, validPairs: 1);
        var (model, batch) = ModelAndBatch(RnnConfig.DotName);
        var step = new TrainStep(model, new OptimizerSettings { Warmup = 10 }, 3);
        step.Run(batch);
        var weight = model.ParameterByName["decoder.rnn.weight_hh_l0"];
        weight.Value.Span[2] = float.PositiveInfinity;
        string file = tiny.File("model.safetensors"), checkpoint = tiny.File("step-1");
        var e = Assert.Throws<UserInputException>(() => ModelFile.Save(model, file));
        Assert.Contains(weight.Name, e.Message);
        Assert.False(File.Exists(file));
        Assert.Contains(weight.Name, Assert.Throws<UserInputException>(() => Checkpoint.Save(checkpoint, model, step.Optimizer, new TrainingState())).Message);

        weight.Value.Span[2] = 0;
        step.Optimizer.FirstMoments[1][0] = float.NaN;
        Assert.Contains("adam.m.", Assert.Throws<UserInputException>(() => Checkpoint.Save(checkpoint, model, step.Optimizer, new TrainingState())).Message);
        Assert.False(Directory.Exists(checkpoint));
        ModelFile.Save(model, file);                                          // the weights alone are finite again
        Assert.Equal(RnnConfig.DotName, ModelFile.Load(file).Architecture);
    }

    [Fact]
    public void Non_finite_weights_or_moments_are_never_saved_and_the_previous_files_stay()
    {
        using var c = new CheckpointRun();
        string before = c.Save(100);
        byte[] model = File.ReadAllBytes(Path.Combine(before, Checkpoint.ModelFileName));

        c.Model.Parameters[2].Value.Span[1] = float.NaN;
        var weights = Assert.Throws<UserInputException>(() => c.Save(100));
        Assert.Contains(c.Model.Parameters[2].Name, weights.Message);
        Assert.Contains("NaN", weights.Message);
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(before, Checkpoint.ModelFileName)));
        Assert.Equal(CheckpointIntegrity.Verified, CheckpointManifest.Verify(before).Integrity);

        string file = Path.Combine(c.Root, "model.safetensors");
        Assert.Throws<UserInputException>(() => ModelFile.Save(c.Model, file));
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(c.Root, ".tmp-*"));

        c.Model.Parameters[2].Value.Span[1] = 0;
        c.Optimizer.SecondMoments[0][0] = float.PositiveInfinity;
        var moments = Assert.Throws<UserInputException>(() => c.Save(200));
        Assert.Contains("adam.v.", moments.Message);
        Assert.False(Directory.Exists(c.Run.CheckpointPath(200)));
        Assert.Equal(before, c.Run.ChooseResumeCheckpoint().Path);
    }
}
