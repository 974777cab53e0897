using Sharpformer.Inference;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// Beam search on <see cref="ConstantModel"/>, where every step draws from the same known distribution,
/// so rankings, scores, lengths and stopping steps can be worked out by hand.
/// </summary>
public sealed class BeamSearchCraftedTests
{
    private const int A = 3, B = 4;

    private static double Lp(int length, double alpha) => Math.Pow((5.0 + length) / 6.0, alpha);

    private static BeamSearchResult[] Search(double[] p, BeamSearchOptions options, params int[][] sources)
    {
        var (src, s) = PadRows(sources);
        return BeamSearch.Search(ConstantModel.Build(p), src, sources.Length, s, options);
    }

    private static void AssertHypothesis(Hypothesis h, int aCount, bool eos, double logProb, double alpha)
    {
        Assert.Equal(Enumerable.Repeat(A, aCount), h.Tokens);
        Assert.Equal(eos, h.EndedWithEos);
        Assert.Equal(logProb, h.LogProb, 1e-5);
        Assert.Equal(logProb / Lp(aCount + (eos ? 1 : 0), alpha), h.Score, 1e-5);
    }

    [Fact]
    public void Length_penalty_moves_the_ranking_towards_longer_outputs_up_to_the_limit()
    {
        // p(a) = 0.6 > p(EOS) = 0.25 every step; outputs are aᵏ+EOS (log p = k·ln 0.6 + ln 0.25) or a⁶ cut at the limit.
        double[] p = [0.01, 0.01, 0.25, 0.6, 0.13];
        double la = Math.Log(0.6), le = Math.Log(0.25);
        var options = new BeamSearchOptions { BeamSize = 4, NBest = 4, MaxLenA = 0, MaxLenB = 6 };

        // α = 0: raw log-probability, the shortest output wins: EOS, a EOS, a a EOS, a a a EOS.
        var nBest = Search(p, options with { LengthPenalty = 0 }, [3, 4])[0].NBest;
        for (int k = 0; k < 4; k++) AssertHypothesis(nBest[k], k, true, k * la + le, 0);

        // α = 1: the empty output still wins, but the cut a⁶ (−1.672) overtakes a a EOS (−1.806).
        nBest = Search(p, options with { LengthPenalty = 1 }, [3, 4])[0].NBest;
        AssertHypothesis(nBest[0], 0, true, le, 1);
        AssertHypothesis(nBest[1], 1, true, la + le, 1);
        AssertHypothesis(nBest[2], 6, false, 6 * la, 1);
        AssertHypothesis(nBest[3], 2, true, 2 * la + le, 1);

        // α = 2: the longest outputs lead: a⁶ (cut, exactly the limit), then a⁵ EOS, a⁴ EOS, a³ EOS.
        nBest = Search(p, options with { LengthPenalty = 2 }, [3, 4])[0].NBest;
        AssertHypothesis(nBest[0], 6, false, 6 * la, 2);
        for (int k = 5; k >= 3; k--) AssertHypothesis(nBest[6 - k], k, true, k * la + le, 2);
    }

    [Fact]
    public void Each_sentence_of_a_batch_stops_at_its_own_limit()
    {
        // α = 2 favours length, so each best output is a cut at its limit min(5, ⌊0.5·n + 2⌋).
        double[] p = [0.01, 0.01, 0.25, 0.6, 0.13];
        var options = new BeamSearchOptions { BeamSize = 3, NBest = 3, LengthPenalty = 2, MaxLenA = 0.5, MaxLenB = 2, MaxLenCap = 5 };
        var results = Search(p, options, [3, 4, 3, 4], [4], [3, 3, 3, 3, 3, 3, 3]);
        int[] limits = [4, 2, 5];
        for (int b = 0; b < 3; b++)
        {
            AssertHypothesis(results[b].Best, limits[b], false, limits[b] * Math.Log(0.6), 2);
            Assert.Equal(limits[b], results[b].Steps);
            Assert.All(results[b].NBest, h => Assert.True(h.Length <= limits[b]));
        }
    }

    [Fact]
    public void Stopping_rules_stop_where_worked_out_by_hand()
    {
        // p(EOS) = 0.6, p(a) = 0.25, p(b) = 0.13, beam 2, limit 10.
        double[] p = [0.01, 0.01, 0.6, 0.25, 0.13];
        double la = Math.Log(0.25), le = Math.Log(0.6);
        var options = new BeamSearchOptions { BeamSize = 2, NBest = 2, MaxLenA = 0, MaxLenB = 10 };
        // Step 1 finishes EOS; step 2 finishes a EOS, and b EOS (worse) is dropped; two hypotheses are in.
        // α = 0: the best live beam a a (2·ln 0.25 = −2.77) cannot beat a EOS (−1.90): both rules stop after 2 steps.
        // α = 1: a a could still reach −2.77 / lp(10) = −1.11 > a EOS's −1.63, so the exact rule goes on until
        // a a a (−4.16 / 2.5 = −1.66) cannot: 3 steps. The first-finished rule stops at 2. Same outputs.
        foreach (var (alpha, rule, steps) in new[] { (0.0, BeamStopRule.Exact, 2), (0.0, BeamStopRule.FirstFinished, 2), (1.0, BeamStopRule.Exact, 3), (1.0, BeamStopRule.FirstFinished, 2) })
        {
            var result = Search(p, options with { LengthPenalty = alpha, Stopping = rule }, [3, 4, 4])[0];
            Assert.Equal(steps, result.Steps);
            AssertHypothesis(result.NBest[0], 0, true, le, alpha);
            AssertHypothesis(result.NBest[1], 1, true, la + le, alpha);
        }
    }

    [Fact]
    public void The_exact_rule_finds_what_stopping_at_the_first_finished_hypotheses_misses()
    {
        // p(a) = 0.55, p(EOS) = 0.3, α = 2, limit 6: EOS (score −1.20) and a EOS (−1.32) finish first, which ends
        // the first-finished search; the exact search goes on to the cut a⁶ (6·ln 0.55 / (11/6)² = −1.07).
        double[] p = [0.01, 0.01, 0.3, 0.55, 0.13];
        var options = new BeamSearchOptions { BeamSize = 2, NBest = 2, LengthPenalty = 2, MaxLenA = 0, MaxLenB = 6 };
        var first = Search(p, options with { Stopping = BeamStopRule.FirstFinished }, [3])[0];
        AssertHypothesis(first.Best, 0, true, Math.Log(0.3), 2);
        Assert.Equal(2, first.Steps);
        var exact = Search(p, options with { Stopping = BeamStopRule.Exact }, [3])[0];
        AssertHypothesis(exact.Best, 6, false, 6 * Math.Log(0.55), 2);
        Assert.Equal(6, exact.Steps);
    }

    [Fact]
    public void Sentences_allowed_no_tokens_get_one_empty_output_and_leave_the_batch()
    {
        // A = 1, B = −2: sources of 1 and 2 ids may produce nothing; the one of 4 ids may produce 2.
        double[] p = [0.01, 0.01, 0.25, 0.6, 0.13];
        var options = new BeamSearchOptions { BeamSize = 2, NBest = 2, LengthPenalty = 0, MaxLenA = 1, MaxLenB = -2 };
        int[][] sources = [[3], [3, 4, 4, 4], [4, 4]];
        var results = Search(p, options, sources);
        foreach (int b in new[] { 0, 2 })
        {
            Assert.Equal(0, results[b].Steps);
            Assert.Single(results[b].NBest);
            Assert.Equal(new Hypothesis([], 0, 0, false), results[b].Best with { Tokens = [] });
            Assert.Empty(results[b].BestTokens);
        }
        AssertHypothesis(results[1].Best, 2, false, 2 * Math.Log(0.6), 0);   // a a cut (−1.02) beats EOS (−1.39)
        AssertHypothesis(results[1].NBest[1], 0, true, Math.Log(0.25), 0);

        var (src, s) = PadRows(sources);
        var greedy = GreedySearch.Decode(ConstantModel.Build(p), src, 3, s, new OutputLengthRule(1, -2));
        Assert.Equal([0, 2, 0], greedy.Select(h => h.Tokens.Length));
        Assert.Equal(2 * Math.Log(0.6), greedy[1].LogProb, 1e-5);
        Assert.Equal(0, greedy[0].LogProb);

        var none = Search(p, options with { MaxLenA = 0, MaxLenB = 0 }, sources);
        Assert.All(none, r => { Assert.Empty(r.BestTokens); Assert.Equal(0, r.Steps); });
    }

    [Fact]
    public void Bad_options_are_user_errors_naming_the_field()
    {
        var good = new BeamSearchOptions();
        foreach (var (options, field) in new[]
        {
            (good with { BeamSize = 0 }, "beam size"),
            (good with { NBest = 0 }, "n-best"),
            (good with { BeamSize = 2, NBest = 3 }, "n-best"),
            (good with { LengthPenalty = double.NaN }, "length penalty"),
            (good with { MaxLenA = -1 }, "ratio"),
            (good with { MaxLenCap = -1 }, "cap"),
        })
        {
            var e = Assert.Throws<UserInputException>(() => options.Validate());
            Assert.Contains(field, e.Message);
        }
        Assert.Same(good, good.Validate());
    }
}
