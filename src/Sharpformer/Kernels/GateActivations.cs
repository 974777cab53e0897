using System.Numerics.Tensors;

namespace Sharpformer.Kernels;

/// <summary>
/// The squashing functions of recurrent gates, forward and backward. The backward passes take the
/// forward output y (not the input), which is what a recurrent cell keeps: σ'(x) = y(1 − y) and
/// tanh'(x) = 1 − y².
/// </summary>
public static class GateActivations
{
    private const int Chunk = 256;

    /// <summary>y = σ(x) = 1/(1 + e^−x). y may alias x.</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("Sigmoid: output shorter than input.");
        TensorPrimitives.Sigmoid(x, y[..x.Length]);
    }

    /// <summary>y = tanh(x). y may alias x.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("Tanh: output shorter than input.");
        TensorPrimitives.Tanh(x, y[..x.Length]);
    }

    /// <summary>dx = dy ⊙ y ⊙ (1 − y) with y = σ(x). dx may alias dy.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dy.Length != y.Length || dx.Length < y.Length) throw new ArgumentException("SigmoidBackward: lengths differ.");
        Span<float> slope = stackalloc float[Chunk];
        for (int at = 0; at < y.Length; at += Chunk)
        {
            int n = Math.Min(Chunk, y.Length - at);
            var s = slope[..n];
            var yc = y.Slice(at, n);
            // σ' = y − y² = y·(1 − y)
            TensorPrimitives.Subtract(1f, yc, s);
            TensorPrimitives.Multiply(s, yc, s);
            TensorPrimitives.Multiply(dy.Slice(at, n), s, dx.Slice(at, n));
        }
    }

    /// <summary>dx = dy ⊙ (1 − y²) with y = tanh(x). dx may alias dy.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dy.Length != y.Length || dx.Length < y.Length) throw new ArgumentException("TanhBackward: lengths differ.");
        Span<float> slope = stackalloc float[Chunk];
        for (int at = 0; at < y.Length; at += Chunk)
        {
            int n = Math.Min(Chunk, y.Length - at);
            var s = slope[..n];
            var yc = y.Slice(at, n);
            // tanh' = 1 − y²
            TensorPrimitives.Multiply(yc, yc, s);
            TensorPrimitives.Subtract(1f, s, s);
            TensorPrimitives.Multiply(dy.Slice(at, n), s, dx.Slice(at, n));
        }
    }
}
