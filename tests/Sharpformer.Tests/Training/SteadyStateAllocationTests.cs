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

/// <summary>
/// A decode reuses the key/value caches of the network it rents: once one decode of a shape has run,
/// the next allocates far less than the caches it uses (here the caches of 64 rows × 40 positions
/// are ≈ 200 KB per layer; what is left is the copied memory, the source mask and small arrays).
/// </summary>
public sealed class DecodeAllocationTests
{
    [Fact]
    public void A_second_decode_of_a_seen_shape_does_not_allocate_its_caches_again()
    {
        var config = TinyModel.Config(Activation.Relu, normFirst: false, 2, 2, dropout: 0f, PositionEncodingKind.Sinusoidal);
        var model = new Transformer(config);
        Initialization.Initialize(model, seed: 5);
        const int batch = 16, copies = 4, sourceLength = 6, steps = 40;
        var source = Enumerable.Range(0, batch * sourceLength).Select(i => 4 + i % (config.VocabSize - 4)).ToArray();
        long cacheBytes = (long)config.DecoderLayers * batch * copies * (2L * steps + 2L * sourceLength) * config.DModel * sizeof(float);

        long Decode()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var encoded = model.Encode(source, batch, sourceLength);
            using var decoder = model.StartDecoder(encoded, copies, steps);
            var tokens = Enumerable.Repeat(config.BosId, batch * copies).ToArray();
            for (int t = 0; t < steps; t++) decoder.Step(tokens);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        long first = Decode();
        long second = Decode();
        Assert.True(first > cacheBytes, $"the first decode allocated {first:N0} bytes, less than its caches ({cacheBytes:N0}): the test measures nothing");
        Assert.True(second < cacheBytes / 4, $"the second decode allocated {second:N0} bytes; its caches alone are {cacheBytes:N0}");
    }
}
