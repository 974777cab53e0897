using Sharpformer.Inference;
using Sharpformer.Model;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// Slow, obvious searches for one unpadded sentence, every probability from a fresh full forward pass in
/// double precision: a textbook beam search run to the length limit (no early stopping, no cache, no batch),
/// and an enumeration of every possible output.
/// </summary>
internal sealed class ReferenceSearch(Transformer model, int[] source)
{
    private readonly Dictionary<string, double[]> _next = [];

    /// <summary>log p(· | BOS + prefix), memoised per prefix.</summary>
    public double[] Next(IReadOnlyList<int> prefix)
    {
        string key = string.Join(",", prefix);
        if (!_next.TryGetValue(key, out var logProbs)) _next[key] = logProbs = NextLogProbs(model, source, prefix);
        return logProbs;
    }

    /// <summary>
    /// Beam search as documented on <see cref="BeamSearch"/>, but every beam runs to the limit: per step the
    /// best 2K expansions (score, then beam, then id); EOS among the first K finishes; the first K others live
    /// on; at the limit the best K finish. Returns every finished hypothesis, best score first (stable).
    /// With <paramref name="noRepeatNGram"/> &gt; 0, a token that would repeat an n-gram of its beam
    /// (<see cref="NGramOracle.Repeats"/>) is never an expansion.
    /// </summary>
    public List<Hypothesis> Beam(int k, double alpha, int limit, int noRepeatNGram = 0)
    {
        var live = new List<(int[] Tokens, double LogProb)> { ([], 0.0) };
        var finished = new List<Hypothesis>();
        for (int step = 0; step < limit && live.Count > 0; step++)
        {
            bool atLimit = step + 1 == limit;
            var expansions = new List<(double Score, int Beam, int Token)>();
            for (int i = 0; i < live.Count; i++)
            {
                var logProbs = Next(live[i].Tokens);
                for (int v = 0; v < logProbs.Length; v++)
                    if (v != Pad && !NGramOracle.Repeats(live[i].Tokens, v, noRepeatNGram)) expansions.Add((live[i].LogProb + logProbs[v], i, v));
            }
            var ranked = expansions.OrderByDescending(e => e.Score).ThenBy(e => e.Beam).ThenBy(e => e.Token).Take(atLimit ? k : 2 * k).ToList();
            var next = new List<(int[] Tokens, double LogProb)>();
            for (int rank = 0; rank < ranked.Count; rank++)
            {
                var (score, beam, token) = ranked[rank];
                if (atLimit || token == Eos)
                {
                    if (rank < k) finished.Add(Make(token == Eos ? live[beam].Tokens : [.. live[beam].Tokens, token], score, token == Eos, alpha));
                }
                else if (next.Count < k) next.Add(([.. live[beam].Tokens, token], score));
            }
            live = next;
        }
        return finished.OrderByDescending(h => h.Score).ToList();
    }

    /// <summary>Every output of at most <paramref name="limit"/> tokens (EOS-closed, or cut at the limit), best score first.</summary>
    public List<Hypothesis> Everything(double alpha, int limit)
    {
        var all = new List<Hypothesis>();
        void Extend(int[] prefix, double logProb)
        {
            if (prefix.Length == limit) { all.Add(Make(prefix, logProb, false, alpha)); return; }
            var logProbs = Next(prefix);
            for (int v = 0; v < logProbs.Length; v++)
            {
                if (v == Pad) continue;
                if (v == Eos) all.Add(Make(prefix, logProb + logProbs[v], true, alpha));
                else Extend([.. prefix, v], logProb + logProbs[v]);
            }
        }
        Extend([], 0.0);
        return all.OrderByDescending(h => h.Score).ToList();
    }

    private static Hypothesis Make(int[] tokens, double logProb, bool eos, double alpha)
    {
        // lp((5+|Y|)/6)^α written out here rather than borrowed from the code under test
        int length = tokens.Length + (eos ? 1 : 0);
        return new Hypothesis(tokens, logProb, logProb / Math.Pow((5.0 + length) / 6.0, alpha), eos);
    }
}
