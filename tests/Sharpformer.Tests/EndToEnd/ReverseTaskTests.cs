using Sharpformer.Model;
using Sharpformer.Training;
using Xunit.Abstractions;
using static Sharpformer.Tests.EndToEnd.ReverseTask;

namespace Sharpformer.Tests.EndToEnd;

/// <summary>A small model learns to reverse its source, from scratch, to 100 % exact-match greedy decoding.</summary>
public sealed class ReverseTaskTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Learns_to_reverse_sequences_exactly(bool normFirst)
    {
        var config = new TransformerConfig
        {
            VocabSize = FirstSymbol + Symbols, DModel = 64, Heads = 4, DFf = 128, EncoderLayers = 2, DecoderLayers = 2,
            Dropout = 0f, NormFirst = normFirst, PadId = Pad, BosId = Bos, EosId = Eos,
        };
        var model = new Transformer(config);
        Initialization.Initialize(model, seed: 1);
        var step = new TrainStep(model, new OptimizerSettings { LabelSmoothing = 0f, Warmup = 400, LrFactor = 0.5 }, seed: 7);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (steps, loss, exact) = new ReverseTask().TrainAndTest(model, step);
        output.WriteLine($"{steps} steps in {watch.Elapsed.TotalSeconds:F1} s, last loss {loss:F4}");
        output.WriteLine($"exact match {exact}/200 on unseen sequences");
        Assert.Equal(200, exact);
    }
}
