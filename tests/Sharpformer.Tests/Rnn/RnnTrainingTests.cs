using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Layers;
using Sharpformer.Training;

namespace Sharpformer.Tests.Rnn;

/// <summary>RNN models through the trainer: steps that allocate nothing, runs that resume bit-identically.</summary>
public sealed class RnnTrainingTests
{
    [Fact]
    public void An_interrupted_and_resumed_rnn_run_ends_bit_identical_to_an_uninterrupted_one()
    {
        using var tiny = new Pipeline.TinyRun(trainPairs: 200, validPairs: 20);
        var options = tiny.Options(epochs: 2) with
        {
            Model = RnnConfig.For(RnnConfig.AdditiveName) with { Cell = RecurrentCellKind.Lstm, EmbeddingSize = 12, HiddenSize = 10, Layers = 2, Dropout = 0.2f },
            Optimizer = new OptimizerSettings { Warmup = 20, LrFactor = 1.0, ClipNorm = 1f },
            LogEvery = 1,
        };
        var a = new RunDirectory(tiny.RunDir("a"));
        var summaryA = new Trainer(a, options).Run(resume: false);

        var b = new RunDirectory(tiny.RunDir("b"));
        using var cancel = new CancellationTokenSource();
        var interrupted = new Trainer(b, options, new CancelAtStep(5, cancel)).Run(resume: false, cancel.Token);
        Assert.Equal("interrupted", interrupted.FinalModelKind);
        Assert.Equal(5, interrupted.State.Step);
        var resumedOptions = b.LoadOptions();
        Assert.Equal(options.Model, resumedOptions.Model);                               // run.json keeps the architecture and its sizes
        var summaryB = new Trainer(b, resumedOptions).Run(resume: true);

        Assert.True(summaryA.State.Step > 5);
        Assert.Equal(summaryA.State.Step, summaryB.State.Step);
        Assert.Equal(File.ReadAllBytes(a.FinalModelPath), File.ReadAllBytes(b.FinalModelPath));
        string lastA = a.LatestCheckpoint()!, lastB = b.LatestCheckpoint()!;
        foreach (var file in new[] { Checkpoint.ModelFileName, Checkpoint.OptimizerFileName })
            Assert.Equal(File.ReadAllBytes(Path.Combine(lastA, file)), File.ReadAllBytes(Path.Combine(lastB, file)));
        Assert.Equal(summaryA.State.History.Select(h => h.ValidBleu), summaryB.State.History.Select(h => h.ValidBleu));
        Assert.Equal(RnnConfig.AdditiveName, ModelFile.Load(b.FinalModelPath).Architecture);
    }

    private sealed class CancelAtStep(long step, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void OnStep(StepReport report)
        {
            if (report.Step == step) cancel.Cancel();
        }
    }

    [Theory]
    [InlineData(RnnConfig.PlainName, RecurrentCellKind.Lstm)]
    [InlineData(RnnConfig.DotName, RecurrentCellKind.Gru)]
    [InlineData(RnnConfig.AdditiveName, RecurrentCellKind.Lstm)]
    [InlineData(RnnConfig.AdditiveName, RecurrentCellKind.Rnn)]
    public void Training_steps_of_a_seen_shape_allocate_nothing(string architecture, RecurrentCellKind cell)
    {
        var model = TinyRnn.Build(TinyRnn.Config(architecture, cell, layers: 2, dropout: 0.1f), seed: 2);
        var step = new TrainStep(model, new OptimizerSettings { Warmup = 10, ClipNorm = 1e-3f }, seed: 3);
        var data = new TinyModel(TinyModel.Config(Activation.Relu, false, 1, 1), 0f, ForwardContext.Eval);   // its ragged batch
        var batch = new Seq2SeqBatch(data.Source, data.TargetIn, data.TargetOut, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, TinyModel.Pad);
        for (int i = 0; i < 3; i++) step.Run(batch);   // buffers reach their size

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) step.Run(batch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{architecture} {cell}: five steady-state training steps allocated {allocated:N0} bytes");
    }
}
