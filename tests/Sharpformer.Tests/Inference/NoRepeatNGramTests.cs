using Sharpformer.Inference;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>The brute-force statement of the no-repeat n-gram rule, on whole token lists.</summary>
internal static class NGramOracle
{
    /// <summary>Whether appending <paramref name="token"/> to <paramref name="output"/> makes some n-gram occur twice.</summary>
    public static bool Repeats(IReadOnlyList<int> output, int token, int n) =>
        n > 0 && HasRepeatedNGram([.. output, token], n) && !HasRepeatedNGram(output, n);

    /// <summary>Whether any n-gram occurs twice in <paramref name="tokens"/>, comparing every pair of positions.</summary>
    public static bool HasRepeatedNGram(IReadOnlyList<int> tokens, int n)
    {
        for (int i = 0; i + n <= tokens.Count; i++)
            for (int j = i + 1; j + n <= tokens.Count; j++)
                if (Enumerable.Range(0, n).All(d => tokens[i + d] == tokens[j + d])) return true;
        return false;
    }
}

/// <summary>
/// The no-repeat n-gram rule against its brute-force statement: the banned set token by token, and the
/// outputs of greedy search, sampling and beam search (matched against the reference searches with the
/// same rule applied by brute force), plus a hand-computed case.
/// </summary>
public sealed class NoRepeatNGramTests
{
    [Fact]
    public void Bans_exactly_the_tokens_that_would_repeat_an_n_gram()
    {
        var rng = new Random(2);
        for (int trial = 0; trial < 400; trial++)
        {
            int vocab = 2 + rng.Next(4), n = 1 + rng.Next(4);
            var history = new List<int>();
            while (history.Count < rng.Next(0, 14))
            {
                int next = rng.Next(vocab);
                if (!NGramOracle.Repeats(history, next, n)) history.Add(next);   // outputs under the rule never repeat
                else if (history.Count > 0 && rng.Next(4) == 0) break;
            }
            var logProbs = new float[vocab];
            NoRepeatNGram.Ban(logProbs, history.ToArray(), n);
            for (int v = 0; v < vocab; v++)
                Assert.True(float.IsNegativeInfinity(logProbs[v]) == NGramOracle.Repeats(history, v, n),
                    $"n={n} history [{string.Join(",", history)}] token {v}");
        }
    }

    [Fact]
    public void Size_zero_bans_nothing_and_size_one_bans_every_used_token()
    {
        var logProbs = new float[5];
        NoRepeatNGram.Ban(logProbs, [1, 3, 1], 0);
        Assert.All(logProbs, x => Assert.Equal(0f, x));
        NoRepeatNGram.Ban(logProbs, [1, 3], 1);
        Assert.Equal([0f, float.NegativeInfinity, 0f, float.NegativeInfinity, 0f], logProbs);
    }

    [Fact]
    public void Hand_computed_greedy_and_beam_outputs_of_the_constant_model()
    {
        // p(a) = 0.6 > p(EOS) = 0.25 > p(b) = 0.13 at every step: unrestricted greedy writes a a a a a (the limit).
        // n = 1: a, then a is banned and EOS beats b → [a]+EOS. n = 2: a, a, then a would repeat "a a" → [a a]+EOS.
        // n = 3: a, a, a, then a would repeat "a a a" → [a a a]+EOS. Beam 1 retraces greedy.
        const int a = 3;
        var model = ConstantModel.Build([0.01, 0.01, 0.25, 0.6, 0.13]);
        (int N, int[] Tokens)[] cases = [(0, [a, a, a, a, a]), (1, [a]), (2, [a, a]), (3, [a, a, a])];
        foreach (var (n, tokens) in cases)
        {
            var greedy = GreedySearch.Decode(model, [4], 1, 1, OutputLengthRule.Fixed(5), noRepeatNGram: n)[0];
            Assert.Equal(tokens, greedy.Tokens);
            Assert.Equal(n > 0, greedy.EndedWithEos);
            double expected = tokens.Length * Math.Log(0.6) + (n > 0 ? Math.Log(0.25) : 0);
            Assert.Equal(expected, greedy.LogProb, 1e-5);
            var beam = BeamSearch.Search(model, [4], 1, 1, new BeamSearchOptions { BeamSize = 1, LengthPenalty = 0, MaxLenA = 0, MaxLenB = 5, NoRepeatNGramSize = n })[0];
            Assert.Equal(tokens, beam.BestTokens);
        }
    }

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "post-relu", "pre-gelu", "post-learned" })
            foreach (int n in new[] { 1, 2, 3 }) data.Add(name, n);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Greedy_and_sampled_outputs_never_repeat_an_n_gram_and_greedy_matches_the_brute_force_reference(string name, int n)
    {
        // A 5-token vocabulary and long limits: the first of these random models whose plain greedy outputs
        // repeat an n-gram, so the rule has something to change.
        var rng = new Random(3);
        var sources = Enumerable.Range(0, 6).Select(_ => RandomIds(rng, 3 + rng.Next(4), 5)).ToArray();
        var (src, s) = PadRows(sources);
        var rule = OutputLengthRule.Fixed(14);
        var model = Enumerable.Range(101, 20).Select(seed => Build(name, seed, vocab: 5)).First(m =>
            GreedySearch.Decode(m, src, sources.Length, s, rule).Any(h => NGramOracle.HasRepeatedNGram(h.Tokens, n)));

        var greedy = GreedySearch.Decode(model, src, sources.Length, s, rule, noRepeatNGram: n);
        var sampled = GreedySearch.Decode(model, src, sources.Length, s, rule, new SamplingStrategy(new SamplingOptions { Temperature = 2, Seed = 5 }), n);
        for (int b = 0; b < sources.Length; b++)
        {
            Assert.False(NGramOracle.HasRepeatedNGram(greedy[b].Tokens, n), $"greedy {b}: [{string.Join(",", greedy[b].Tokens)}]");
            Assert.False(NGramOracle.HasRepeatedNGram(sampled[b].Tokens, n), $"sampled {b}: [{string.Join(",", sampled[b].Tokens)}]");
            var (tokens, logProb, _) = GreedySearchTests.ReferenceGreedy(model, sources[b], 14, n);
            Assert.Equal(tokens, greedy[b].Tokens);
            Assert.Equal(logProb, greedy[b].LogProb, 1e-4);
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Beam_outputs_never_repeat_an_n_gram_and_match_the_reference_beam_with_the_rule(string name, int n)
    {
        var model = Build(name, seed: 111, vocab: 6);
        var rng = new Random(4);
        var sources = Enumerable.Range(0, 3).Select(_ => RandomIds(rng, 2 + rng.Next(4), 6)).ToArray();
        var (src, s) = PadRows(sources);
        var options = new BeamSearchOptions { BeamSize = 3, NBest = 3, LengthPenalty = 0.6, MaxLenA = 0, MaxLenB = 7, NoRepeatNGramSize = n };
        var results = BeamSearch.Search(model, src, sources.Length, s, options);
        for (int b = 0; b < sources.Length; b++)
        {
            foreach (var h in results[b].NBest)
                Assert.False(NGramOracle.HasRepeatedNGram(h.Tokens, n), $"sentence {b}: [{string.Join(",", h.Tokens)}]");
            var reference = new ReferenceSearch(model, sources[b]).Beam(3, 0.6, 7, noRepeatNGram: n);
            BeamSearchTests.AssertSameRanking(reference.Take(3).ToList(), results[b].NBest, $"{name} n={n} sentence {b}");
        }
    }
}
