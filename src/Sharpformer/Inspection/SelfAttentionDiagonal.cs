namespace Sharpformer.Inspection;

/// <summary>
/// Note 001's claim "a word's dot product with itself is usually the highest", counted per self-attention
/// layer: of the queries that see more than one key, how many put their largest weight on their own position
/// (head-averaged weights, and each head), how many would with the raw dot product x_i·x_j of the layer's
/// input (no W_Q, W_K: the claim taken literally), and how many a uniformly random choice would (chance).
/// </summary>
/// <param name="Kind">"encoder self" or "decoder self".</param>
/// <param name="Layer">0-based.</param>
/// <param name="Queries">Queries counted (decoder position 0 sees only itself and is left out).</param>
/// <param name="OnSelfAveraged">Queries whose head-averaged weights peak on themselves.</param>
/// <param name="OnSelfPerHead">The same for each head.</param>
/// <param name="OnSelfRawDot">Queries whose input vector has its largest dot product with itself.</param>
/// <param name="Chance">Expected count if each query picked one of its visible keys at random.</param>
public sealed record DiagonalCount(string Kind, int Layer, int Queries, int OnSelfAveraged, int[] OnSelfPerHead, int OnSelfRawDot, double Chance)
{
    public double Share(int count) => Queries == 0 ? double.NaN : (double)count / Queries;

    /// <summary>Counts over the self-attention sublayers of the given traces, summed over sentences.</summary>
    public static IReadOnlyList<DiagonalCount> Count(IEnumerable<ForwardTrace> traces) => Count(traces.SelectMany(t => t.Attention));

    /// <summary>Counts per (kind, layer) over the given attention sublayers (cross-attention is left out), summed.</summary>
    public static IReadOnlyList<DiagonalCount> Count(IEnumerable<TracedAttention> sublayers)
    {
        var totals = new Dictionary<(string, int), DiagonalCount>();
        foreach (var a in sublayers.Where(a => a.Kind != "cross"))
            {
                var one = Count(a);
                totals[(a.Kind, a.Layer)] = totals.TryGetValue((a.Kind, a.Layer), out var sum)
                    ? sum with
                    {
                        Queries = sum.Queries + one.Queries, OnSelfAveraged = sum.OnSelfAveraged + one.OnSelfAveraged,
                        OnSelfPerHead = sum.OnSelfPerHead.Zip(one.OnSelfPerHead, (x, y) => x + y).ToArray(),
                        OnSelfRawDot = sum.OnSelfRawDot + one.OnSelfRawDot, Chance = sum.Chance + one.Chance,
                    }
                    : one;
            }
        return totals.Values.OrderBy(c => c.Kind == "decoder self").ThenBy(c => c.Layer).ToArray();
    }

    private static DiagonalCount Count(TracedAttention a)
    {
        int queries = 0, averaged = 0, raw = 0;
        var perHead = new int[a.Heads];
        double chance = 0;
        var mean = new double[a.Tk];
        for (int i = 0; i < a.Tq; i++)
        {
            int visible = a.Visible(i);
            if (visible < 2) continue;
            queries++;
            chance += 1.0 / visible;
            Array.Clear(mean);
            for (int h = 0; h < a.Heads; h++)
            {
                var row = a.Weights.AsSpan((h * a.Tq + i) * a.Tk, visible);
                if (ArgMax(row) == i) perHead[h]++;
                for (int j = 0; j < visible; j++) mean[j] += row[j];
            }
            if (ArgMax<double>(mean.AsSpan(0, visible)) == i) averaged++;
            if (RawDotArgMax(a, i, visible) == i) raw++;
        }
        return new DiagonalCount(a.Kind, a.Layer, queries, averaged, perHead, raw, chance);
    }

    // argmax_j x_i·x_j over the visible keys, x the layer input (self-attention: queries and keys read the same x).
    private static int RawDotArgMax(TracedAttention a, int i, int visible)
    {
        int d = a.DModel, best = 0;
        double bestDot = double.NegativeInfinity;
        var xi = a.QueryInput.AsSpan(i * d, d);
        for (int j = 0; j < visible; j++)
        {
            var xj = a.KeyInput.AsSpan(j * d, d);
            double dot = 0;
            for (int c = 0; c < d; c++) dot += (double)xi[c] * xj[c];
            if (dot > bestDot) (best, bestDot) = (j, dot);
        }
        return best;
    }

    private static int ArgMax<T>(ReadOnlySpan<T> v) where T : System.Numerics.INumber<T>
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private static int ArgMax(ReadOnlySpan<float> v) => ArgMax<float>(v);
}
