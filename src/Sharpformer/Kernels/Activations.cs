using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Sharpformer.Kernels;

/// <summary>The position-wise non-linearities of the feed-forward block, forward and backward.</summary>
public static class Activations
{
    /// <summary>y = max(0, x). y may alias x.</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("Relu: output shorter than input.");
        TensorPrimitives.Max(x, 0f, y[..x.Length]);
    }

    /// <summary>dx = dy where y &gt; 0, else 0 (y is the ReLU output). dx may alias dy.</summary>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dy.Length != y.Length || dx.Length < y.Length) throw new ArgumentException("ReluBackward: lengths differ.");
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var keep = Vector256.GreaterThan(Vector256.Create(y[i..]), Vector256<float>.Zero);
                Vector256.BitwiseAnd(Vector256.Create(dy[i..]), keep).CopyTo(dx[i..]);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var keep = Vector128.GreaterThan(Vector128.Create(y[i..]), Vector128<float>.Zero);
                Vector128.BitwiseAnd(Vector128.Create(dy[i..]), keep).CopyTo(dx[i..]);
            }
        }
        for (; i < y.Length; i++) dx[i] = y[i] > 0f ? dy[i] : 0f;
    }

    /// <summary>GELU with the exact error function: y = x·Φ(x) = ½x(1 + erf(x/√2)). y may alias x.</summary>
    public static void Gelu(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("Gelu: output shorter than input.");
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(0.5 * v * (1.0 + Erf.Compute(v * InvSqrt2)));
        }
    }

    /// <summary>dx = dy·(Φ(x) + x·φ(x)), x the GELU input. dx may alias dy.</summary>
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dy.Length != x.Length || dx.Length < x.Length) throw new ArgumentException("GeluBackward: lengths differ.");
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double cdf = 0.5 * (1.0 + Erf.Compute(v * InvSqrt2));
            double pdf = Math.Exp(-0.5 * v * v) * InvSqrt2Pi;
            dx[i] = (float)(dy[i] * (cdf + v * pdf));
        }
    }

    /// <summary>Adds a bias row to every row of a [rows, n] matrix.</summary>
    public static void AddBias(Span<float> y, ReadOnlySpan<float> bias, int rows)
    {
        int n = bias.Length;
        if (y.Length < rows * n) throw new ArgumentException("AddBias: matrix shorter than rows·n.");
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(y.Slice(r * n, n), bias, y.Slice(r * n, n));
    }

    /// <summary>db += Σ_rows dy: the gradient of a bias broadcast over rows.</summary>
    public static void AccumulateBiasGrad(ReadOnlySpan<float> dy, Span<float> db, int rows)
    {
        int n = db.Length;
        if (dy.Length < rows * n) throw new ArgumentException("AccumulateBiasGrad: matrix shorter than rows·n.");
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(db, dy.Slice(r * n, n), db);
    }

    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;
}
