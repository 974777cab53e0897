using Sharpformer.Layers;

namespace Sharpformer.Inspection;

/// <summary>
/// The arithmetic of the forward trace, written as plainly as the formulas (double accumulation, no SIMD,
/// no fused kernels), so that a trace is an independent computation of what the model's layers do.
/// </summary>
internal static class TraceMath
{
    /// <summary>y [n, outF] = x [n, inF]·Wᵀ + b, W [outF, inF] row-major.</summary>
    public static float[] Linear(float[] x, int n, int inF, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int outF)
    {
        var y = new float[n * outF];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < outF; o++)
            {
                double s = b.IsEmpty ? 0 : b[o];
                var row = w.Slice(o * inF, inF);
                for (int k = 0; k < inF; k++) s += (double)x[i * inF + k] * row[k];
                y[i * outF + o] = (float)s;
            }
        return y;
    }

    /// <summary>LayerNorm(x) = (x − μ)/√(σ² + ε)·γ + β per row of [n, d] (σ² the biased variance, as PyTorch).</summary>
    public static float[] LayerNorm(float[] x, int n, int d, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps)
    {
        var y = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            double mean = 0, variance = 0;
            for (int j = 0; j < d; j++) mean += x[i * d + j];
            mean /= d;
            for (int j = 0; j < d; j++) variance += (x[i * d + j] - mean) * (x[i * d + j] - mean);
            variance /= d;
            double inv = 1 / Math.Sqrt(variance + eps);
            for (int j = 0; j < d; j++) y[i * d + j] = (float)((x[i * d + j] - mean) * inv * gamma[j] + beta[j]);
        }
        return y;
    }

    public static float[] Add(float[] a, float[] b)
    {
        var y = new float[a.Length];
        for (int i = 0; i < a.Length; i++) y[i] = a[i] + b[i];
        return y;
    }

    /// <summary>ReLU max(0, x), or GELU x·Φ(x) with the exact error function.</summary>
    public static float[] Activate(float[] x, Activation activation) => activation == Activation.Relu
        ? x.Select(v => Math.Max(0f, v)).ToArray()
        : x.Select(v => (float)(0.5 * v * (1 + Kernels.Erf.Compute(v / Math.Sqrt(2))))).ToArray();

    /// <summary>softmax over the first <paramref name="visible"/> entries of a row (the rest: weight 0), max-shifted.</summary>
    public static void Softmax(ReadOnlySpan<float> scores, Span<float> weights, int visible)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < visible; j++) max = Math.Max(max, scores[j]);
        double sum = 0;
        for (int j = 0; j < visible; j++) sum += Math.Exp(scores[j] - max);
        for (int j = 0; j < scores.Length; j++) weights[j] = j < visible ? (float)(Math.Exp(scores[j] - max) / sum) : 0f;
    }

    /// <summary>Entropy −Σ p·ln p (nats) of a distribution.</summary>
    public static double Entropy(ReadOnlySpan<double> p)
    {
        double h = 0;
        foreach (double x in p) if (x > 0) h -= x * Math.Log(x);
        return h;
    }

    /// <summary>
    /// ‖∂p/∂s‖_F for p = softmax(s): the Jacobian is J = diag(p) − p·pᵀ, so
    /// ‖J‖²_F = Σ_i p_i²(1 − p_i)² + Σ_{i≠j} p_i²p_j² = Σ p_i² − 2Σ p_i³ + (Σ p_i²)².
    /// For an upstream gradient g with independent unit-variance entries, E‖J·g‖² = ‖J‖²_F:
    /// this is how much gradient reaches the scores.
    /// </summary>
    public static double SoftmaxJacobianNorm(ReadOnlySpan<double> p)
    {
        double s2 = 0, s3 = 0;
        foreach (double x in p) { s2 += x * x; s3 += x * x * x; }
        return Math.Sqrt(Math.Max(0, s2 - 2 * s3 + s2 * s2));
    }
}
