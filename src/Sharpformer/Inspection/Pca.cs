namespace Sharpformer.Inspection;

/// <summary>
/// Principal components of a few points: the directions along which they spread most, and each point's
/// coordinates along them (a 2-D map of high-dimensional vectors).
/// </summary>
/// <param name="Mean">The points' mean [d].</param>
/// <param name="Components">Unit directions [k][d], largest variance first; each sign fixed so its largest-magnitude entry is positive.</param>
/// <param name="Variances">The variance along each component (eigenvalues of the covariance).</param>
/// <param name="TotalVariance">Trace of the covariance: Variances[i] / TotalVariance is the share a component explains.</param>
/// <param name="Coordinates">Each point's projection [n][k] = (x − mean)·component.</param>
public sealed record Pca(double[] Mean, double[][] Components, double[] Variances, double TotalVariance, double[][] Coordinates)
{
    /// <summary>
    /// The top <paramref name="k"/> components of <paramref name="points"/> [n][d]. Covariance
    /// C = (1/n)·Σ (x − μ)(x − μ)ᵀ; each eigenvector by power iteration v ← C·v / ‖C·v‖, then deflation
    /// C ← C − λ·v·vᵀ so the next iteration finds the next one.
    /// </summary>
    public static Pca Fit(IReadOnlyList<float[]> points, int k = 2, int maxIterations = 2000, double tolerance = 1e-12)
    {
        int n = points.Count;
        if (n < 2) throw new UserInputException($"PCA needs at least 2 points, got {n}");
        int d = points[0].Length;
        if (points.Any(p => p.Length != d)) throw new ArgumentException("Points of different lengths.");
        k = Math.Min(k, d);

        var mean = new double[d];
        foreach (var p in points)
            for (int j = 0; j < d; j++) mean[j] += p[j] / (double)n;
        // C [d, d] = (1/n)·Σ (x − μ)(x − μ)ᵀ
        var c = new double[d, d];
        var centred = new double[d];
        foreach (var p in points)
        {
            for (int j = 0; j < d; j++) centred[j] = p[j] - mean[j];
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) c[a, b] += centred[a] * centred[b] / n;
        }
        double total = 0;
        for (int j = 0; j < d; j++) total += c[j, j];

        var components = new double[k][];
        var variances = new double[k];
        for (int i = 0; i < k; i++)
        {
            var (v, lambda) = TopEigenvector(c, d, maxIterations, tolerance, seed: i);
            components[i] = v;
            variances[i] = Math.Max(0, lambda);
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) c[a, b] -= lambda * v[a] * v[b];   // deflation
        }
        var coordinates = points.Select(p => components.Select(v =>
        {
            double s = 0;
            for (int j = 0; j < d; j++) s += (p[j] - mean[j]) * v[j];
            return s;
        }).ToArray()).ToArray();
        return new Pca(mean, components, variances, total, coordinates);
    }

    /// <summary>The share of the total variance each component explains.</summary>
    public double[] ExplainedShare => Variances.Select(v => TotalVariance > 0 ? v / TotalVariance : 0).ToArray();

    private static (double[] Vector, double Value) TopEigenvector(double[,] c, int d, int maxIterations, double tolerance, int seed)
    {
        // A fixed, irregular start: not orthogonal to any eigenvector of a real covariance, and the same every run.
        var v = new double[d];
        for (int j = 0; j < d; j++) v[j] = 1.0 + 0.37 * Math.Sin(1.7 * (j + 1) + seed);
        Normalize(v);
        var next = new double[d];
        double lambda = 0;
        for (int it = 0; it < maxIterations; it++)
        {
            for (int a = 0; a < d; a++)
            {
                double s = 0;
                for (int b = 0; b < d; b++) s += c[a, b] * v[b];
                next[a] = s;
            }
            double norm = Normalize(next);
            if (norm == 0) return (v, 0);        // nothing left: the remaining variance is zero
            double change = 0;
            for (int j = 0; j < d; j++) change = Math.Max(change, Math.Abs(next[j] - v[j]));
            (v, next) = (next, v);
            lambda = norm;
            if (change < tolerance) break;
        }
        int largest = 0;
        for (int j = 1; j < d; j++) if (Math.Abs(v[j]) > Math.Abs(v[largest])) largest = j;
        if (v[largest] < 0) for (int j = 0; j < d; j++) v[j] = -v[j];
        return (v, lambda);
    }

    private static double Normalize(double[] v)
    {
        double s = 0;
        foreach (double x in v) s += x * x;
        s = Math.Sqrt(s);
        if (s > 0) for (int j = 0; j < v.Length; j++) v[j] /= s;
        return s;
    }
}
