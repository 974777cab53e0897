using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Layers;
using Sharpformer.Training;

namespace Sharpformer.Tests.Rnn;

/// <summary>RNN training steps: no allocation once a batch shape has been seen, as for the Transformer.</summary>
public sealed class RnnTrainingTests
{
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
