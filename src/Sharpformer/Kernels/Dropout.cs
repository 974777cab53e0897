using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Sharpformer.Kernels;

/// <summary>
/// Inverted dropout driven by a counter-based generator: the keep/drop decision for element i of
/// a call is a hash of (seed, call counter, i). That makes masks independent of thread count and
/// order, and lets a resumed run regenerate exactly the same masks from (seed, counter). The hash
/// is two rounds of a 32-bit integer mixer, so eight decisions are made per AVX2 instruction group.
/// </summary>
public static class Dropout
{
    // Large calls are split into chunks of this many elements, spread over the pool; the decision
    // for an element depends only on its index, so the split never changes the mask.
    private const int Chunk = 1 << 15;

    /// <summary>
    /// y = x ⊙ m / (1 − p), m ~ Bernoulli(1 − p); writes the scaled mask (0 or 1/(1−p)) into
    /// <paramref name="mask"/> for the backward pass. y may alias x.
    /// </summary>
    public static unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float p, ulong seed, ulong counter)
    {
        // negated so that NaN fails the test too
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout probability must be in [0, 1), got {p}.");
        if (y.Length < x.Length || mask.Length < x.Length) throw new ArgumentException("Dropout: output or mask shorter than input.");
        ulong key = Mix(seed ^ Mix(counter + 0x9E3779B97F4A7C15UL));
        var task = new ChunkTask
        {
            Scale = 1f / (1f - p),
            Threshold = (uint)Math.Min(uint.MaxValue, (double)p * 4294967296.0),
            Key1 = (uint)key, Key2 = (uint)(key >> 32), Length = x.Length,
        };
        fixed (float* px = x) fixed (float* py = y) fixed (float* pm = mask)
        {
            task.X = px; task.Y = py; task.Mask = pm;
            ComputePool.For((x.Length + Chunk - 1) / Chunk, ref task);
        }
    }

    /// <summary>dx = dy ⊙ mask (the scaled mask from Forward). dx may alias dy.</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx)
    {
        if (mask.Length < dy.Length || dx.Length < dy.Length) throw new ArgumentException("Dropout backward: lengths differ.");
        TensorPrimitives.Multiply(dy, mask[..dy.Length], dx[..dy.Length]);
    }

    /// <summary>SplitMix64's finaliser: a fast bijective 64-bit mixer.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The 32-bit random word behind element <paramref name="index"/> of a call with the given keys.</summary>
    public static uint Word(uint index, uint key1, uint key2) => Hash32(Hash32(index + key1) ^ key2);

    // A bijective 32-bit mixer (xor-shift / multiply, constants with low bias).
    private static uint Hash32(uint x)
    {
        x ^= x >> 16; x *= 0x7FEB352Du;
        x ^= x >> 15; x *= 0x846CA68Bu;
        return x ^ (x >> 16);
    }

    private static Vector256<uint> Hash32(Vector256<uint> x)
    {
        x ^= Vector256.ShiftRightLogical(x, 16); x *= Vector256.Create(0x7FEB352Du);
        x ^= Vector256.ShiftRightLogical(x, 15); x *= Vector256.Create(0x846CA68Bu);
        return x ^ Vector256.ShiftRightLogical(x, 16);
    }

    private unsafe struct ChunkTask : IComputeTask
    {
        public float* X, Y, Mask;
        public float Scale;
        public uint Threshold, Key1, Key2;
        public int Length;

        public void Run(int chunk)
        {
            int i = chunk * Chunk, end = Math.Min(Length, i + Chunk);
            if (Vector256.IsHardwareAccelerated)
            {
                var index = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7) + Vector256.Create((uint)i);
                var k1 = Vector256.Create(Key1);
                var k2 = Vector256.Create(Key2);
                var threshold = Vector256.Create(Threshold);
                var scale = Vector256.Create(Scale);
                for (; i <= end - 8; i += 8)
                {
                    var word = Hash32(Hash32(index + k1) ^ k2);
                    var m = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(word, threshold).AsSingle(), scale, Vector256<float>.Zero);
                    Vector256.Store(m, Mask + i);
                    Vector256.Store(Vector256.Load(X + i) * m, Y + i);
                    index += Vector256.Create(8u);
                }
            }
            for (; i < end; i++)
            {
                float m = Word((uint)i, Key1, Key2) < Threshold ? 0f : Scale;
                Mask[i] = m;
                Y[i] = X[i] * m;
            }
        }
    }
}
