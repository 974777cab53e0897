namespace Sharpformer.Kernels;

/// <summary>
/// Inverted dropout driven by a counter-based generator: the keep/drop decision for element i of
/// a call is a hash of (seed, call counter, i). That makes masks independent of thread count and
/// order, and lets a resumed run regenerate exactly the same masks from (seed, counter).
/// </summary>
public static class Dropout
{
    /// <summary>
    /// y = x ⊙ m / (1 − p), m ~ Bernoulli(1 − p); writes the scaled mask (0 or 1/(1−p)) into
    /// <paramref name="mask"/> for the backward pass. y may alias x.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float p, ulong seed, ulong counter)
    {
        // negated so that NaN fails the test too
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout probability must be in [0, 1), got {p}.");
        if (y.Length < x.Length || mask.Length < x.Length) throw new ArgumentException("Dropout: output or mask shorter than input.");
        float scale = 1f / (1f - p);
        uint threshold = (uint)Math.Min(uint.MaxValue, (double)p * 4294967296.0);
        ulong key = Mix(seed ^ Mix(counter + 0x9E3779B97F4A7C15UL));
        for (int i = 0; i < x.Length; i++)
        {
            uint u = (uint)(Mix(key + (ulong)i) >> 32);
            float m = u < threshold ? 0f : scale;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }

    /// <summary>dx = dy ⊙ mask (the scaled mask from Forward). dx may alias dy.</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx)
    {
        if (mask.Length < dy.Length || dx.Length < dy.Length) throw new ArgumentException("Dropout backward: lengths differ.");
        System.Numerics.Tensors.TensorPrimitives.Multiply(dy, mask[..dy.Length], dx[..dy.Length]);
    }

    /// <summary>SplitMix64's finaliser: a fast bijective 64-bit mixer.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
