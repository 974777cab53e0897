using Sharpformer.Inference;

namespace Sharpformer.Tests.Server;

/// <summary>
/// Whether two greedy outputs of one source differ only through a near-tie. Greedy search takes the most
/// likely token at each step; two outputs that differ first at step p came from the same prefix, so they
/// can only differ there if the two candidate tokens were (nearly) equally likely. This replays the prefix
/// through the model contract, one sentence alone, and returns |log p(a_p) − log p(b_p)| at that step.
/// A batch computes the same numbers along other GEMM paths (other rounding), so a flip needs a gap of a
/// few float32 ulps; a mixed-up or wrong answer shows a gap of whole nats.
/// </summary>
public static class GreedyTies
{
    /// <summary>The gap between two outputs given as text (re-tokenised, EOS appended).</summary>
    public static double DivergenceGap(Translator translator, string source, string a, string b)
    {
        int eos = translator.Model.Tokens.EosId;
        return DivergenceGap(translator, translator.Tokenizer.Encode(source, addBos: false, addEos: true),
            [.. translator.Tokenizer.Encode(a, addBos: false, addEos: false), eos], [.. translator.Tokenizer.Encode(b, addBos: false, addEos: false), eos]);
    }

    /// <summary>The gap between two outputs given as ids (EOS last when they ended with it) of source ids <paramref name="src"/>.</summary>
    public static double DivergenceGap(Translator translator, int[] src, int[] x, int[] y)
    {
        var model = translator.Model;
        int p = 0;
        while (p < x.Length && p < y.Length && x[p] == y[p]) p++;
        if (p == x.Length || p == y.Length) return double.PositiveInfinity;   // one ends inside the other: not a greedy tie

        var encoded = model.Encode(src, 1, src.Length);
        using var state = model.StartDecoder(encoded, copies: 1, maxSteps: p + 1);
        var token = new int[1];
        float[] logProbs = [];
        for (int t = 0; t <= p; t++)
        {
            token[0] = t == 0 ? model.Tokens.BosId : x[t - 1];
            logProbs = state.Step(token).ToArray();
        }
        return Math.Abs(logProbs[x[p]] - logProbs[y[p]]);
    }

    /// <summary>Equal outputs, or outputs that part at a step where the two tokens are within <paramref name="gap"/> nats.</summary>
    public static bool SameOrNearTie(Translator translator, string source, string expected, string actual, double gap = 1e-3) =>
        expected == actual || DivergenceGap(translator, source, expected, actual) < gap;
}
