using Sharpformer.Inference;
using Sharpformer.Model;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// Sampling against distributions computed here in double precision from the definitions (tempered
/// p^(1/T), the K most likely, the smallest most-likely set reaching P, renormalised), by a chi-square
/// test on many seeded draws; plus the guarantees a seed gives: the same draws in any batch, other
/// seeds other draws.
/// </summary>
public sealed class SamplingTests
{
    // A distribution whose order is not the id order, with one token already banned (−∞).
    private static readonly double[] Probabilities = [0.07, 0.30, 0.02, 0.15, 0.0, 0.12, 0.20, 0.04, 0.10];

    /// <summary>The distribution sampling must follow, written out from the definitions.</summary>
    private static double[] Expected(double[] p, double temperature, int topK, double topP)
    {
        var q = p.Select(x => x == 0 ? 0 : Math.Pow(x, 1 / temperature)).ToArray();
        var order = Enumerable.Range(0, q.Length).Where(i => q[i] > 0).OrderByDescending(i => q[i]).ToList();
        if (topK > 0) order = order.Take(topK).ToList();
        double kept = order.Sum(i => q[i]), running = 0;
        var nucleus = new List<int>();
        foreach (int i in order)
        {
            nucleus.Add(i);
            running += q[i];
            if (running >= topP * kept) break;
        }
        double total = nucleus.Sum(i => q[i]);
        var result = new double[p.Length];
        foreach (int i in nucleus) result[i] = q[i] / total;
        return result;
    }

    private static float[] LogProbs(double[] p) => p.Select(x => x == 0 ? float.NegativeInfinity : (float)Math.Log(x)).ToArray();

    // χ² quantile with P(X > x) = 1e-6: exact for one degree of freedom, Wilson–Hilferty above.
    private static double ChiSquareCritical(int df) =>
        df == 1 ? 23.93 : df * Math.Pow(1 - 2.0 / (9 * df) + 4.753 * Math.Sqrt(2.0 / (9 * df)), 3);

    /// <summary>Counts per category must be zero where p is 0 and pass a χ² test where it is not.</summary>
    private static void AssertFollows(double[] expected, int[] counts, string what)
    {
        int n = counts.Sum();
        double chi = 0;
        int df = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == 0) { Assert.True(counts[i] == 0, $"{what}: excluded token {i} drawn {counts[i]} times"); continue; }
            double e = n * expected[i];
            chi += (counts[i] - e) * (counts[i] - e) / e;
            df++;
        }
        if (df > 0) Assert.True(chi < ChiSquareCritical(df), $"{what}: χ² = {chi:F1} with {df} degrees of freedom; counts {string.Join(",", counts)}");
        else Assert.Equal(n, counts[Array.IndexOf(expected, 1.0)]);
    }

    public static TheoryData<double, int, double> Settings() => new()
    {
        { 1.0, 0, 1.0 }, { 0.5, 0, 1.0 }, { 2.0, 0, 1.0 }, { 1.0, 3, 1.0 }, { 1.0, 0, 0.6 }, { 0.7, 4, 0.8 }, { 1.5, 1, 1.0 }, { 1.0, 0, 0.05 },
    };

    [Theory, MemberData(nameof(Settings))]
    public void Draws_follow_the_tempered_truncated_distribution(double temperature, int topK, double topP)
    {
        var strategy = new SamplingStrategy(new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP, Seed = 17 });
        var logProbs = LogProbs(Probabilities);
        var counts = new int[Probabilities.Length];
        var history = new int[40];
        // 20,000 draws: 500 sentences × 40 steps, each (sentence, step) its own uniform number.
        for (int sentence = 0; sentence < 500; sentence++)
            for (int step = 0; step < 40; step++)
                counts[strategy.Choose(logProbs.ToArray(), sentence, history.AsSpan(0, step))]++;
        AssertFollows(Expected(Probabilities, temperature, topK, topP), counts, $"T={temperature} k={topK} p={topP}");
    }

    [Fact]
    public void The_chi_square_check_tells_a_wrong_temperature_apart()
    {
        // Guard on the test itself: draws at T = 1 do not pass for the T = 0.8 distribution.
        var strategy = new SamplingStrategy(new SamplingOptions { Seed = 17 });
        var logProbs = LogProbs(Probabilities);
        var counts = new int[Probabilities.Length];
        for (int sentence = 0; sentence < 20000; sentence++) counts[strategy.Choose(logProbs.ToArray(), sentence, [])]++;
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertFollows(Expected(Probabilities, 0.8, 0, 1), counts, "T=0.8"));
        AssertFollows(Expected(Probabilities, 1, 0, 1), counts, "T=1");
    }

    [Fact]
    public void Top_k_and_top_p_never_pick_an_excluded_token()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 60; trial++)
        {
            int vocab = 5 + rng.Next(60);
            var p = Enumerable.Range(0, vocab).Select(_ => rng.NextDouble() < 0.15 ? 0 : Math.Exp(4 * rng.NextDouble())).ToArray();
            if (p.All(x => x == 0)) p[0] = 1;
            double sum = p.Sum();
            p = p.Select(x => x / sum).ToArray();
            var options = new SamplingOptions
            {
                Temperature = 0.3 + 2 * rng.NextDouble(), TopK = rng.Next(0, 8), TopP = 0.05 + 0.95 * rng.NextDouble(), Seed = (ulong)trial,
            };
            var allowed = Expected(p, options.Temperature, options.TopK, options.TopP);
            var strategy = new SamplingStrategy(options);
            var logProbs = LogProbs(p);
            for (int sentence = 0; sentence < 300; sentence++)
            {
                int token = strategy.Choose(logProbs.ToArray(), sentence, []);
                Assert.True(allowed[token] > 0, $"trial {trial}: token {token} is outside the kept set ({options})");
            }
        }
    }

    [Fact]
    public void A_tiny_temperature_is_greedy_and_a_lone_possible_token_is_always_drawn()
    {
        var logProbs = LogProbs(Probabilities);
        var cold = new SamplingStrategy(new SamplingOptions { Temperature = 1e-3, Seed = 3 });
        for (int sentence = 0; sentence < 200; sentence++) Assert.Equal(1, cold.Choose(logProbs.ToArray(), sentence, []));
        var single = new float[6];
        Array.Fill(single, float.NegativeInfinity);
        single[4] = -30f;   // far below any other scale, still the only choice
        var hot = new SamplingStrategy(new SamplingOptions { Temperature = 5, Seed = 3 });
        for (int sentence = 0; sentence < 50; sentence++) Assert.Equal(4, hot.Choose(single.ToArray(), sentence, []));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.6)]
    public void Decoding_draws_the_first_token_from_the_models_distribution_without_pad(double temperature)
    {
        // The constant model gives p at every step; the search excludes pad, so the first token follows
        // p without pad, renormalised and tempered. 3,000 sentences in one batch, one token each.
        double[] p = [0.01, 0.01, 0.25, 0.6, 0.13];
        var model = ConstantModel.Build(p);
        int batch = 3000;
        var source = Enumerable.Repeat(3, batch).ToArray();
        var strategy = new SamplingStrategy(new SamplingOptions { Temperature = temperature, Seed = 99 });
        var results = GreedySearch.Decode(model, source, batch, 1, OutputLengthRule.Fixed(1), strategy);
        var counts = new int[p.Length];
        foreach (var h in results) counts[h.EndedWithEos ? Eos : h.Tokens[0]]++;
        var withoutPad = p.Select((x, i) => i == Pad ? 0 : x).ToArray();
        AssertFollows(Expected(withoutPad, temperature, 0, 1), counts, $"T={temperature}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_outputs_and_other_seeds_other_outputs()
    {
        var model = Build("post-relu", seed: 81, vocab: 13);
        var rng = new Random(8);
        var sources = Enumerable.Range(0, 6).Select(_ => RandomIds(rng, 5, 13)).ToArray();
        var (src, s) = PadRows(sources);
        string Decode(ulong seed) => string.Join(" | ", GreedySearch.Decode(model, src, sources.Length, s, OutputLengthRule.Fixed(12),
            new SamplingStrategy(new SamplingOptions { Temperature = 1.5, Seed = seed })).Select(h => string.Join(",", h.Tokens)));
        string first = Decode(7);
        Assert.Equal(first, Decode(7));
        var others = new[] { 8UL, 9UL, 1000UL }.Select(Decode).ToList();
        Assert.All(others, o => Assert.NotEqual(first, o));
    }

    [Theory]
    [InlineData("post-relu")]
    [InlineData("pre-gelu")]
    [InlineData("post-learned")]
    public void A_sentence_samples_the_same_whatever_batch_it_lands_in(string name)
    {
        // Seeded by its id, not its row: alone, or padded among others in any order, the same output.
        var model = Build(name, seed: 91, vocab: 13);
        var rng = new Random(12);
        var sentences = Enumerable.Range(0, 5).Select(i => RandomIds(rng, 2 + 2 * i, 13)).ToArray();
        var options = new SamplingOptions { Temperature = 1.3, TopP = 0.95, Seed = 4 };
        int[][] Run(int[] which)
        {
            var (src, s) = PadRows(which.Select(i => sentences[i]).ToArray());
            var strategy = new SamplingStrategy(options, sentenceIds: which.Select(i => 100 + i).ToArray());
            return GreedySearch.Decode(model, src, which.Length, s, OutputLengthRule.Fixed(10), strategy, noRepeatNGram: 2)
                .Select(h => h.EndedWithEos ? [.. h.Tokens, Eos] : h.Tokens).ToArray();
        }
        var together = Run([0, 1, 2, 3, 4]);
        var shuffled = Run([3, 0, 4, 2, 1]);
        for (int i = 0; i < sentences.Length; i++)
        {
            var alone = Run([i])[0];
            Assert.Equal(alone, together[i]);
            Assert.Equal(alone, shuffled[Array.IndexOf(new[] { 3, 0, 4, 2, 1 }, i)]);
        }
        Assert.True(together.Select(t => string.Join(",", t)).Distinct().Count() > 1, "a random model should answer different sentences differently");
    }

    [Fact]
    public void Sampling_options_name_their_bad_field()
    {
        Assert.Equal("Temperature", Assert.Throws<UserInputException>(() => new SamplingOptions { Temperature = 0 }.Validate()).Field);
        Assert.Equal("Temperature", Assert.Throws<UserInputException>(() => new SamplingOptions { Temperature = double.PositiveInfinity }.Validate()).Field);
        Assert.Equal("TopK", Assert.Throws<UserInputException>(() => new SamplingOptions { TopK = -1 }.Validate()).Field);
        Assert.Equal("TopP", Assert.Throws<UserInputException>(() => new SamplingOptions { TopP = 0 }.Validate()).Field);
        Assert.Equal("TopP", Assert.Throws<UserInputException>(() => new SamplingOptions { TopP = 1.01 }.Validate()).Field);
        Assert.Throws<UserInputException>(() => new DecodeOptions { Sampling = new SamplingOptions(), Search = new BeamSearchOptions { BeamSize = 2 } }.Validate());
    }
}
