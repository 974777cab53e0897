namespace Sharpformer.Inspection;

/// <summary>
/// Averages over many query rows for one d_k, with or without the 1/√d_k scale.
/// </summary>
/// <param name="Source">"random" (q, k with independent unit-variance components) or "model" (a model's real queries and keys).</param>
/// <param name="ScoreVariance">Variance of the scores fed to the softmax: q·k, or q·k/√d_k when scaled.</param>
/// <param name="Entropy">Mean entropy −Σ p ln p of a row's weights, in nats (ln(keys) would be uniform).</param>
/// <param name="MaxWeight">Mean of a row's largest weight (1 = all attention on one key).</param>
/// <param name="ScoreGradient">Mean ‖∂p/∂s‖_F over rows: the gradient a unit-variance upstream gradient passes to the scores.</param>
/// <param name="Keys">Mean keys per row.</param>
public sealed record ScalingPoint(string Source, int HeadDim, bool Scaled, double ScoreVariance, double Entropy, double MaxWeight,
    double ScoreGradient, double Keys, long Rows);

/// <summary>
/// Note 001's argument for dividing by √d_k: with unit-variance components, q·k has variance d_k, so
/// without the scale the scores spread as d_k grows, the softmax piles its weight onto one key (entropy
/// → 0, largest weight → 1) and the gradient reaching the scores vanishes; with it, all stay put.
/// Measured on random vectors for a range of d_k, and on a model's real queries and keys.
/// </summary>
public static class ScalingExperiment
{
    /// <summary>d_k = 16, 32, …, 1024.</summary>
    public static int[] DefaultHeadDims { get; } = [16, 32, 64, 128, 256, 512, 1024];

    /// <summary>For each d_k, <paramref name="rows"/> queries against <paramref name="keys"/> keys drawn from N(0, 1) (seeded), scaled and not.</summary>
    public static IReadOnlyList<ScalingPoint> Random(IReadOnlyList<int> headDims, int keys = 32, int rows = 300, int seed = 1)
    {
        if (keys < 2) throw UserInputException.ForField("Keys", $"must be at least 2, got {keys}");
        var points = new List<ScalingPoint>();
        foreach (int dk in headDims)
        {
            var rng = new Random(seed + dk);
            var raw = new double[rows][];
            var q = new double[dk];
            var k = new double[keys * dk];
            for (int r = 0; r < rows; r++)
            {
                Fill(rng, q);
                Fill(rng, k);
                raw[r] = new double[keys];
                for (int j = 0; j < keys; j++) raw[r][j] = VectorSimilarity.Dot(q, k.AsSpan(j * dk, dk));   // q·k
            }
            points.Add(Measure("random", dk, scaled: false, raw));
            points.Add(Measure("random", dk, scaled: true, raw));
        }
        return points;
    }

    /// <summary>
    /// The model's queries and keys of every head of the given attention sublayers (rows see all their keys:
    /// encoder self-attention and cross-attention), scaled as the model does and not.
    /// </summary>
    public static IReadOnlyList<ScalingPoint> FromModel(IEnumerable<TracedAttention> attention)
    {
        var raw = new List<double[]>();
        int dk = 0;
        foreach (var a in attention.Where(a => !a.Causal))
        {
            dk = a.HeadDim;
            for (int h = 0; h < a.Heads; h++)
                for (int i = 0; i < a.Tq; i++)
                {
                    var row = new double[a.Tk];
                    var qi = a.Q.AsSpan((h * a.Tq + i) * dk, dk);
                    for (int j = 0; j < a.Tk; j++)
                    {
                        var kj = a.K.AsSpan((h * a.Tk + j) * dk, dk);
                        double dot = 0;
                        for (int c = 0; c < dk; c++) dot += (double)qi[c] * kj[c];
                        row[j] = dot;
                    }
                    raw.Add(row);
                }
        }
        if (raw.Count == 0) return [];
        return [Measure("model", dk, scaled: false, raw), Measure("model", dk, scaled: true, raw)];
    }

    private static ScalingPoint Measure(string source, int dk, bool scaled, IReadOnlyList<double[]> rawScores)
    {
        double scale = scaled ? 1 / Math.Sqrt(dk) : 1;
        double sum = 0, sumSq = 0, entropy = 0, max = 0, gradient = 0, keys = 0;
        long n = 0;
        foreach (var raw in rawScores)
        {
            var s = raw.Select(x => x * scale).ToArray();
            foreach (double x in s) { sum += x; sumSq += x * x; n++; }
            var p = SoftmaxOf(s);
            entropy += TraceMath.Entropy(p);
            max += p.Max();
            gradient += TraceMath.SoftmaxJacobianNorm(p);
            keys += s.Length;
        }
        int rows = rawScores.Count;
        double mean = sum / n;
        return new ScalingPoint(source, dk, scaled, sumSq / n - mean * mean, entropy / rows, max / rows, gradient / rows, keys / rows, rows);
    }

    private static double[] SoftmaxOf(double[] s)
    {
        double max = s.Max(), total = 0;
        var p = new double[s.Length];
        for (int j = 0; j < s.Length; j++) total += p[j] = Math.Exp(s[j] - max);
        for (int j = 0; j < s.Length; j++) p[j] /= total;
        return p;
    }

    // Standard normal values by Box–Muller (System.Random has no Gaussian draw).
    private static void Fill(Random rng, Span<double> v)
    {
        for (int i = 0; i < v.Length; i += 2)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            double radius = Math.Sqrt(-2 * Math.Log(u1));
            v[i] = radius * Math.Cos(2 * Math.PI * u2);
            if (i + 1 < v.Length) v[i + 1] = radius * Math.Sin(2 * Math.PI * u2);
        }
    }
}
