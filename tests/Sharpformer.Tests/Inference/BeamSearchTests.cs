using Sharpformer.Inference;
using Sharpformer.Model;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// Beam search against greedy, an unbatched recompute-everything beam search, exhaustive enumeration,
/// itself one sentence at a time, and a hand-made model whose probabilities are known.
/// </summary>
public sealed class BeamSearchTests
{
    private const double ScoreTolerance = 1e-4;

    private static BeamSearchResult[] Search(Transformer model, IReadOnlyList<int[]> sources, BeamSearchOptions options)
    {
        var (src, s) = PadRows(sources);
        return BeamSearch.Search(model, src, sources.Count, s, options);
    }

    private static int[][] Sources(int seed, int vocab, params int[] lengths)
    {
        var rng = new Random(seed);
        return lengths.Select(n => RandomIds(rng, n, vocab)).ToArray();
    }

    private static int Limit(BeamSearchOptions o, int[] source) => (int)Math.Min(o.MaxLenCap, Math.Floor(o.MaxLenA * source.Length + o.MaxLenB));

    [Theory, MemberData(nameof(Names), MemberType = typeof(TinyModels))]
    public void Width_one_retraces_greedy(string name)
    {
        var model = Build(name, seed: 31);
        var sources = Sources(7, model.Config.VocabSize, 5, 2, 7, 3);
        var (src, s) = PadRows(sources);
        var greedy = GreedySearch.Decode(model, src, sources.Length, s, new OutputLengthRule(0.5, 4, 100));
        var width1 = new BeamSearchOptions { BeamSize = 1, MaxLenA = 0.5, MaxLenB = 4, MaxLenCap = 100 };
        foreach (var options in new[] { width1 with { LengthPenalty = 0 }, width1 with { LengthPenalty = 0.8, Stopping = BeamStopRule.FirstFinished } })
        {
            var beam = Search(model, sources, options);
            for (int b = 0; b < sources.Length; b++)
            {
                Assert.Equal(greedy[b].Tokens, beam[b].BestTokens);
                Assert.Equal(greedy[b].EndedWithEos, beam[b].Best.EndedWithEos);
                Assert.Equal(greedy[b].LogProb, beam[b].Best.LogProb, 1e-5);
            }
        }
        // With the exact rule and α > 0, width 1 keeps going after greedy's EOS, so it can only do better.
        var exact = Search(model, sources, width1 with { LengthPenalty = 0.8 });
        for (int b = 0; b < sources.Length; b++)
            Assert.True(exact[b].Best.Score >= LengthPenalty.Normalize(greedy[b].LogProb, greedy[b].Length, 0.8) - 1e-6, $"sentence {b}");
    }

    [Theory]
    [InlineData("post-relu", 0.0)]
    [InlineData("pre-gelu", 1.0)]
    [InlineData("post-learned", 0.5)]
    public void A_beam_wider_than_every_prefix_finds_the_exhaustive_optimum(string name, double alpha)
    {
        // Vocabulary {pad, BOS, EOS, a, b}: three ids continue a prefix, so at most 27 live prefixes and
        // 108 expansions at the limit of 4 tokens; a beam of 128 prunes nothing.
        var model = Build(name, seed: 41, vocab: 5);
        var sources = Sources(3, 5, 3, 5);
        var options = new BeamSearchOptions { BeamSize = 128, NBest = 10, LengthPenalty = alpha, MaxLenA = 0, MaxLenB = 4 };
        var results = Search(model, sources, options);
        for (int b = 0; b < sources.Length; b++)
        {
            var all = new ReferenceSearch(model, sources[b]).Everything(alpha, limit: 4);
            Assert.Equal(40 + 81, all.Count);
            AssertSameRanking(all.Take(10).ToList(), results[b].NBest, $"{name} sentence {b}");
        }
    }

    // Same scores rank by rank; same outputs wherever the reference's score is not a near-tie.
    internal static void AssertSameRanking(IReadOnlyList<Hypothesis> expected, IReadOnlyList<Hypothesis> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i].Score - actual[i].Score) <= ScoreTolerance, $"{what} rank {i}: score {actual[i].Score} vs {expected[i].Score}");
            bool tied = expected.Where((h, j) => j != i && Math.Abs(h.Score - expected[i].Score) < 10 * ScoreTolerance).Any();
            if (tied) continue;
            Assert.True(expected[i].Tokens.SequenceEqual(actual[i].Tokens) && expected[i].EndedWithEos == actual[i].EndedWithEos,
                $"{what} rank {i}: [{string.Join(" ", actual[i].Tokens)}]{(actual[i].EndedWithEos ? "+EOS" : "")} vs [{string.Join(" ", expected[i].Tokens)}]{(expected[i].EndedWithEos ? "+EOS" : "")}");
            Assert.Equal(expected[i].LogProb, actual[i].LogProb, ScoreTolerance);
        }
    }

    public static TheoryData<string, double, int> ReferenceCases()
    {
        var data = new TheoryData<string, double, int>();
        foreach (var name in new[] { "post-relu", "pre-gelu", "pre-relu-deep-decoder", "post-learned" })
            foreach (var alpha in new[] { 0.0, 0.6, 1.5 })
                foreach (var beam in new[] { 2, 3 }) data.Add(name, alpha, beam);
        return data;
    }

    [Theory, MemberData(nameof(ReferenceCases))]
    public void Matches_an_unbatched_reference_beam_search_run_to_the_limit(string name, double alpha, int beam)
    {
        // Beam 2 with long limits lets the exact stopping rule cut sentences short; the reference never stops early.
        var model = Build(name, seed: 51, vocab: 9);
        var sources = Sources(9, 9, 4, 1, 6);
        var options = beam == 2
            ? new BeamSearchOptions { BeamSize = 2, NBest = 2, LengthPenalty = alpha, MaxLenA = 1, MaxLenB = 6 }
            : new BeamSearchOptions { BeamSize = 3, NBest = 3, LengthPenalty = alpha, MaxLenA = 0.5, MaxLenB = 3 };
        var results = Search(model, sources, options);
        for (int b = 0; b < sources.Length; b++)
        {
            var reference = new ReferenceSearch(model, sources[b]).Beam(beam, alpha, Limit(options, sources[b]));
            AssertSameRanking(reference.Take(beam).ToList(), results[b].NBest, $"{name} α={alpha} sentence {b}");
        }
    }

    [Theory]
    [InlineData("post-relu", BeamStopRule.Exact)]
    [InlineData("pre-gelu", BeamStopRule.FirstFinished)]
    [InlineData("post-gelu-deep-encoder", BeamStopRule.Exact)]
    [InlineData("post-learned", BeamStopRule.FirstFinished)]
    public void A_batch_decodes_as_each_sentence_alone(string name, BeamStopRule rule)
    {
        var model = Build(name, seed: 61, vocab: 7);
        var sources = Sources(11, 7, 6, 1, 4, 3, 5);
        var options = new BeamSearchOptions { BeamSize = 3, NBest = 3, LengthPenalty = 0.6, MaxLenA = 1, MaxLenB = 2, Stopping = rule };
        var batched = Search(model, sources, options);
        Assert.True(batched.Select(r => r.Steps).Distinct().Count() > 1, "sentences should stop at different steps");
        for (int b = 0; b < sources.Length; b++)
        {
            var alone = Search(model, [sources[b]], options)[0];
            Assert.Equal(alone.Steps, batched[b].Steps);
            Assert.Equal(alone.NBest.Count, batched[b].NBest.Count);
            for (int i = 0; i < alone.NBest.Count; i++)
            {
                Assert.Equal(alone.NBest[i].Tokens, batched[b].NBest[i].Tokens);
                Assert.Equal(alone.NBest[i].EndedWithEos, batched[b].NBest[i].EndedWithEos);
                Assert.Equal(alone.NBest[i].Score, batched[b].NBest[i].Score, 1e-5);
            }
        }
    }

    [Theory, MemberData(nameof(Names), MemberType = typeof(TinyModels))]
    public void NBest_lists_are_sorted_distinct_within_the_limit_and_rescore_from_the_full_model(string name)
    {
        var model = Build(name, seed: 71);
        var sources = Sources(13, model.Config.VocabSize, 3, 6, 2);
        var options = new BeamSearchOptions { BeamSize = 4, NBest = 4, LengthPenalty = 0.7, MaxLenA = 1, MaxLenB = 1 };
        var results = Search(model, sources, options);
        for (int b = 0; b < sources.Length; b++)
        {
            var nBest = results[b].NBest;
            int limit = Limit(options, sources[b]);
            Assert.Equal(4, nBest.Count);
            Assert.Same(nBest[0], results[b].Best);
            for (int i = 1; i < nBest.Count; i++) Assert.True(nBest[i - 1].Score >= nBest[i].Score, $"sentence {b}: rank {i} is better than rank {i - 1}");
            Assert.Equal(nBest.Count, nBest.Select(h => string.Join(",", h.Tokens) + (h.EndedWithEos ? ",EOS" : "")).Distinct().Count());
            foreach (var h in nBest)
            {
                Assert.DoesNotContain(Pad, h.Tokens);
                Assert.DoesNotContain(Eos, h.Tokens);
                Assert.True(h.Length <= limit && (h.EndedWithEos || h.Length == limit), $"length {h.Length}, limit {limit}");
                Assert.Equal(SequenceLogProb(model, sources[b], h.Tokens, h.EndedWithEos), h.LogProb, ScoreTolerance);
                Assert.Equal(h.LogProb / Math.Pow((5.0 + h.Length) / 6.0, 0.7), h.Score, 1e-12);
            }
        }
    }
}
