using System.Numerics.Tensors;

namespace Sharpformer.Kernels;

/// <summary>Row-wise softmax and its backward pass; the attention and loss code call these per row.</summary>
public static class Softmax
{
    /// <summary>
    /// row ← softmax(row) over the first <paramref name="valid"/> entries; entries from valid on are
    /// set to 0 (masked keys). Entries equal to −∞ (masked inside the prefix) get probability 0;
    /// a row with nothing left to attend to becomes all zeros instead of NaN.
    /// </summary>
    public static void InPlace(Span<float> row, int valid)
    {
        if ((uint)valid > (uint)row.Length) throw new ArgumentOutOfRangeException(nameof(valid));
        if (valid == 0) { row.Clear(); return; }
        Span<float> live = row[..valid];
        // softmax(x) = exp(x − max) / Σ exp(x − max): subtracting the max keeps exp from overflowing.
        float max = TensorPrimitives.Max(live);
        if (float.IsNegativeInfinity(max)) { row.Clear(); return; }
        TensorPrimitives.Subtract(live, max, live);
        TensorPrimitives.Exp(live, live);
        float sum = TensorPrimitives.Sum(live);
        TensorPrimitives.Multiply(live, 1f / sum, live);
        row[valid..].Clear();
    }

    /// <summary>dx = p ⊙ (dp − ⟨p, dp⟩): the Jacobian of softmax applied to dp. dx may alias dp.</summary>
    public static void Backward(ReadOnlySpan<float> p, ReadOnlySpan<float> dp, Span<float> dx)
    {
        if (p.Length != dp.Length || p.Length != dx.Length) throw new ArgumentException("Softmax backward: lengths differ.");
        float dot = TensorPrimitives.Dot(p, dp);
        TensorPrimitives.Subtract(dp, dot, dx);
        TensorPrimitives.Multiply(dx, p, dx);
    }
}
