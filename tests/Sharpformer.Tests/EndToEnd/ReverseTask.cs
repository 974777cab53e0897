using Sharpformer.Inference;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.EndToEnd;

/// <summary>
/// The synthetic task every architecture must learn exactly: reverse a sequence of 3 to <see cref="Longest"/> symbols.
/// Trains in rounds until a held-out set is reversed perfectly twice in a row (how many steps that takes depends on
/// float rounding, SIMD width and thread count; whether the task is learned must not), then counts exact greedy
/// outputs on unseen sequences.
/// </summary>
internal sealed class ReverseTask(int longest = 8, int stepsPerRound = 250, int maxSteps = 4000)
{
    public const int Pad = 0, Bos = 1, Eos = 2, FirstSymbol = 3, Symbols = 10;

    public int Longest => longest;

    /// <summary>Trains with <paramref name="step"/> and returns (steps taken, last loss, exact matches out of <paramref name="testCount"/> unseen sequences).</summary>
    public (int Steps, double LastLoss, int Exact) TrainAndTest(ISeq2SeqModel model, TrainStep step, int heldCount = 500, int testCount = 200)
    {
        var rng = new Random(3);
        var held = Enumerable.Range(0, heldCount).Select(_ => RandomSequence(rng)).ToList();
        var test = Enumerable.Range(0, testCount).Select(_ => RandomSequence(rng)).ToList();
        TrainStep.Result last = default;
        int steps = 0, perfectRounds = 0;
        while (steps < maxSteps && perfectRounds < 2)
        {
            for (int i = 0; i < stepsPerRound; i++) last = step.Run(RandomBatch(rng, 64));
            steps += stepsPerRound;
            perfectRounds = ExactMatches(model, held) == held.Count ? perfectRounds + 1 : 0;
        }
        return (steps, last.Loss, ExactMatches(model, test));
    }

    private int ExactMatches(ISeq2SeqModel model, List<int[]> sequences)
    {
        var batch = Seq2SeqBatch.FromSequences(sequences.Select(s => s.Append(Eos).ToArray()).ToList(), sequences, Pad, Bos, Eos);
        var decoded = GreedySearch.Decode(model, batch.Source, batch.Batch, batch.SourceLength, maxSteps: longest + 4);
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
        Enumerable.Range(0, rng.Next(3, longest + 1)).Select(_ => FirstSymbol + rng.Next(Symbols)).ToArray();
}
