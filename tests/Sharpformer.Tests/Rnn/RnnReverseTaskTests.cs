using Sharpformer.Inference;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Training;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Rnn;

/// <summary>A small RNN encoder–decoder of each architecture learns to reverse its source, from scratch, to 100 % exact-match greedy decoding.</summary>
public sealed class RnnReverseTaskTests(ITestOutputHelper output)
{
    private const int Pad = 0, Bos = 1, Eos = 2, FirstSymbol = 3, Symbols = 10;
    private const int StepsPerRound = 100, MaxSteps = 3000;
    private int _longest;

    [Theory]
    [InlineData(RnnConfig.PlainName, RecurrentCellKind.Lstm, 5)]   // shorter: the whole sequence must fit its one context vector
    [InlineData(RnnConfig.DotName, RecurrentCellKind.Lstm, 8)]
    [InlineData(RnnConfig.AdditiveName, RecurrentCellKind.Gru, 8)]
    public void Learns_to_reverse_sequences_exactly(string architecture, RecurrentCellKind cell, int longest)
    {
        _longest = longest;
        var config = RnnConfig.For(architecture) with
        {
            VocabSize = FirstSymbol + Symbols, Cell = cell, EmbeddingSize = 32, HiddenSize = 64, Layers = 1, Dropout = 0f,
            PadId = Pad, BosId = Bos, EosId = Eos,
        };
        var model = new RnnSeq2Seq(config);
        model.Initialize(seed: 1);
        var step = new TrainStep(model, new OptimizerSettings { LabelSmoothing = 0f, Warmup = 200, LrFactor = 0.6, Beta2 = 0.999, AdamEps = 1e-8, ClipNorm = 1f }, seed: 7);
        var rng = new Random(3);
        var held = Enumerable.Range(0, 300).Select(_ => RandomSequence(rng)).ToList();
        var test = Enumerable.Range(0, 200).Select(_ => RandomSequence(rng)).ToList();

        // Train in rounds until a held-out set is reversed perfectly twice in a row: how many steps that takes depends on
        // float rounding (SIMD width, thread count), whether the task is learned must not.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        TrainStep.Result last = default;
        int steps = 0, perfectRounds = 0;
        while (steps < MaxSteps && perfectRounds < 2)
        {
            for (int i = 0; i < StepsPerRound; i++) last = step.Run(RandomBatch(rng, 64));
            steps += StepsPerRound;
            perfectRounds = ExactMatches(model, held) == held.Count ? perfectRounds + 1 : 0;
        }
        output.WriteLine($"{architecture} {cell}: {steps} steps in {watch.Elapsed.TotalSeconds:F1} s, last loss {last.Loss:F4}");

        int exact = ExactMatches(model, test);
        output.WriteLine($"exact match {exact}/{test.Count} on unseen sequences");
        Assert.Equal(test.Count, exact);
    }

    private int ExactMatches(RnnSeq2Seq model, List<int[]> sequences)
    {
        var batch = Seq2SeqBatch.FromSequences(sequences.Select(s => s.Append(Eos).ToArray()).ToList(), sequences, Pad, Bos, Eos);
        var decoded = GreedySearch.Decode(model, batch.Source, batch.Batch, batch.SourceLength, maxSteps: _longest + 4);
        int exact = 0;
        for (int i = 0; i < sequences.Count; i++)
            if (decoded[i].SequenceEqual(sequences[i].Reverse().Append(Eos))) exact++;
        return exact;
    }

    private Seq2SeqBatch RandomBatch(Random rng, int size)
    {
        var sources = Enumerable.Range(0, size).Select(_ => RandomSequence(rng)).ToList();
        var targets = sources.Select(s => s.Reverse().ToArray()).ToList();
        return Seq2SeqBatch.FromSequences(sources.Select(s => s.Append(Eos).ToArray()).ToList(), targets, Pad, Bos, Eos);
    }

    private int[] RandomSequence(Random rng) =>
        Enumerable.Range(0, rng.Next(3, _longest + 1)).Select(_ => FirstSymbol + rng.Next(Symbols)).ToArray();
}
