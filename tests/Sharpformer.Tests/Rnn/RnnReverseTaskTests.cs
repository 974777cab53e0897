using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.EndToEnd;
using Sharpformer.Training;
using Xunit.Abstractions;
using static Sharpformer.Tests.EndToEnd.ReverseTask;

namespace Sharpformer.Tests.Rnn;

/// <summary>A small RNN encoder–decoder of each architecture learns to reverse its source, from scratch, to 100 % exact-match greedy decoding.</summary>
public sealed class RnnReverseTaskTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(RnnConfig.PlainName, RecurrentCellKind.Lstm, 5)]   // shorter: the whole sequence must fit its one context vector
    [InlineData(RnnConfig.DotName, RecurrentCellKind.Lstm, 8)]
    [InlineData(RnnConfig.AdditiveName, RecurrentCellKind.Gru, 8)]
    public void Learns_to_reverse_sequences_exactly(string architecture, RecurrentCellKind cell, int longest)
    {
        var config = RnnConfig.For(architecture) with
        {
            VocabSize = FirstSymbol + Symbols, Cell = cell, EmbeddingSize = 32, HiddenSize = 64, Layers = 1, Dropout = 0f,
            PadId = Pad, BosId = Bos, EosId = Eos,
        };
        var model = new RnnSeq2Seq(config);
        model.Initialize(seed: 1);
        var step = new TrainStep(model, new OptimizerSettings { LabelSmoothing = 0f, Warmup = 200, LrFactor = 0.6, Beta2 = 0.999, AdamEps = 1e-8, ClipNorm = 1f }, seed: 7);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (steps, loss, exact) = new ReverseTask(longest, stepsPerRound: 100, maxSteps: 3000).TrainAndTest(model, step, heldCount: 300);
        output.WriteLine($"{architecture} {cell}: {steps} steps in {watch.Elapsed.TotalSeconds:F1} s, last loss {loss:F4}");
        output.WriteLine($"exact match {exact}/200 on unseen sequences");
        Assert.Equal(200, exact);
    }
}
