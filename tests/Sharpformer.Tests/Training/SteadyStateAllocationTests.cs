using Sharpformer.Layers;
using Sharpformer.Model;
using Sharpformer.Tests.Layers;
using Sharpformer.Training;

namespace Sharpformer.Tests.Training;

/// <summary>
/// Parameters apart from activations must not cost allocations: once the buffers of a batch shape
/// exist, a training step (forward, loss, backward, norm, clipping, Adam) allocates nothing on the
/// calling thread. Measured with GC.GetAllocatedBytesForCurrentThread around a few steps, with
/// dropout on, both norm placements and both activations, so every layer's path is exercised.
/// </summary>
public sealed class SteadyStateAllocationTests
{
    [Theory]
    [InlineData(Activation.Relu, false)]
    [InlineData(Activation.Gelu, true)]
    public void Training_steps_of_a_seen_shape_allocate_nothing(Activation activation, bool normFirst)
    {
        var config = TinyModel.Config(activation, normFirst, 2, 2, dropout: 0.1f, PositionEncodingKind.Learned);
        var tiny = new TinyModel(config, 0.1f, ForwardContext.Eval);
        var step = new TrainStep(tiny.Model, new OptimizerSettings { Warmup = 10, ClipNorm = 1e-3f }, seed: 3);
        var batch = new Seq2SeqBatch(tiny.Source, tiny.TargetIn, tiny.TargetOut, TinyModel.Batch, TinyModel.SourceLength, TinyModel.TargetLength, TinyModel.Pad);
        for (int i = 0; i < 3; i++) step.Run(batch);   // buffers reach their size

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) step.Run(batch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"five steady-state training steps allocated {allocated:N0} bytes");
    }
}
