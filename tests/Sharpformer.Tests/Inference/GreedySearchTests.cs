using Sharpformer.Inference;
using Sharpformer.Model;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>Greedy decoding against a recompute-everything reference and a hand-made model.</summary>
public sealed class GreedySearchTests
{
    private const double ScoreTolerance = 1e-4;

    [Theory, MemberData(nameof(Names), MemberType = typeof(TinyModels))]
    public void Matches_greedy_by_full_recomputation_with_per_sentence_limits(string name)
    {
        var model = Build(name, seed: 21);
        var rng = new Random(4);
        int[][] sources = [RandomIds(rng, 6, model.Config.VocabSize), RandomIds(rng, 2, model.Config.VocabSize), RandomIds(rng, 4, model.Config.VocabSize)];
        var (src, s) = PadRows(sources);
        var rule = new OutputLengthRule(A: 0.5, B: 3, Cap: 100);
        var results = GreedySearch.Decode(model, src, sources.Length, s, rule);

        for (int b = 0; b < sources.Length; b++)
        {
            int limit = (int)Math.Floor(0.5 * sources[b].Length + 3);
            var (tokens, logProb, ended) = ReferenceGreedy(model, sources[b], limit);
            Assert.Equal(tokens, results[b].Tokens);
            Assert.Equal(ended, results[b].EndedWithEos);
            Assert.Equal(logProb, results[b].LogProb, ScoreTolerance);
            Assert.Equal(results[b].LogProb, results[b].Score);
            Assert.True(results[b].Length <= limit && (results[b].EndedWithEos || results[b].Length == limit));
        }
    }

    // Feeds the arg-max (pad excluded, lowest id on ties) of a fresh full forward pass until EOS or the limit;
    // with noRepeatNGram > 0, skipping (by brute force) every token that would repeat an n-gram.
    internal static (int[] Tokens, double LogProb, bool Ended) ReferenceGreedy(Transformer model, int[] source, int limit, int noRepeatNGram = 0)
    {
        var tokens = new List<int>();
        double total = 0;
        for (int t = 0; t < limit; t++)
        {
            var logProbs = NextLogProbs(model, source, tokens);
            int best = -1;
            for (int v = 0; v < logProbs.Length; v++)
                if (v != Pad && !NGramOracle.Repeats(tokens, v, noRepeatNGram) && (best < 0 || logProbs[v] > logProbs[best])) best = v;
            total += logProbs[best];
            if (best == Eos) return (tokens.ToArray(), total, true);
            tokens.Add(best);
        }
        return (tokens.ToArray(), total, false);
    }

    [Fact]
    public void Each_sentence_stops_at_its_own_limit_with_the_hand_computed_log_probability()
    {
        // p(a) = 0.6 beats p(EOS) = 0.25 at every step, so greedy emits a until the limit ⌊0.5·n + 2⌋.
        var model = ConstantModel.Build([0.01, 0.01, 0.25, 0.6, 0.13]);
        int[][] sources = [[3, 4, 3, 4], [4], [3, 3, 3, 3, 3, 3, 3]];
        var (src, s) = PadRows(sources);
        var results = GreedySearch.Decode(model, src, 3, s, new OutputLengthRule(A: 0.5, B: 2, Cap: 5));
        int[] limits = [4, 2, 5];   // the last one capped
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(Enumerable.Repeat(3, limits[b]), results[b].Tokens);
            Assert.False(results[b].EndedWithEos);
            Assert.Equal(limits[b] * Math.Log(0.6), results[b].LogProb, 1e-5);
        }
    }

    [Fact]
    public void The_fixed_step_overload_keeps_EOS_in_its_rows()
    {
        var model = ConstantModel.Build([0.01, 0.01, 0.6, 0.25, 0.13]);   // EOS is the likeliest token
        int[] src = [3, 4, 0, 4, 0, 0];
        var rows = GreedySearch.Decode(model, src, 2, 3, maxSteps: 4);
        Assert.All(rows, r => Assert.Equal([Eos], r));
        var scored = GreedySearch.Decode(model, src, 2, 3, OutputLengthRule.Fixed(4));
        Assert.All(scored, h => { Assert.Empty(h.Tokens); Assert.True(h.EndedWithEos); Assert.Equal(Math.Log(0.6), h.LogProb, 1e-5); });
        Assert.All(GreedySearch.Decode(model, src, 2, 3, maxSteps: 0), Assert.Empty);
    }

    [Fact]
    public void Pad_is_never_chosen_even_when_likeliest()
    {
        var model = ConstantModel.Build([0.7, 0.01, 0.04, 0.2, 0.05]);
        int[] src = [3, 4];
        var result = GreedySearch.Decode(model, src, 1, 2, OutputLengthRule.Fixed(3))[0];
        Assert.Equal([3, 3, 3], result.Tokens);
        Assert.Equal(3 * Math.Log(0.2), result.LogProb, 1e-5);
    }
}
