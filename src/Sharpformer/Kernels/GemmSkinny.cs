using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sharpformer.Kernels;

/// <summary>
/// C = A·Bᵀ for a handful of rows (a decoder step: batch × beam rows through a Linear layer or the
/// output projection). Packing B would cost more than the product itself, so each element is a dot
/// product of a row of A and a row of B, both contiguous: B is streamed once, in tiles of 4 rows of
/// A × 3 rows of B (12 ymm accumulators). Columns are split over the pool.
/// </summary>
internal static unsafe class GemmSkinny
{
    /// <summary>At most this many rows take this path; above it packing B is cheap enough per row.</summary>
    public const int MaxRows = 16;

    /// <summary>True when this CPU has the AVX2+FMA instructions the kernel uses.</summary>
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    public static void Run(int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc, int threads)
    {
        var task = new ColumnsTask { M = m, N = n, K = k, Alpha = alpha, A = a, Lda = lda, B = b, Ldb = ldb, Beta = beta, C = c, Ldc = ldc };
        // Chunks of whole 3-column tiles; a fixed split keeps each element's arithmetic independent of the thread count.
        int tiles = (n + 2) / 3;
        int chunks = threads == 1 ? 1 : Math.Min(tiles, 4 * threads);
        task.TilesPerChunk = (tiles + chunks - 1) / chunks;
        chunks = (tiles + task.TilesPerChunk - 1) / task.TilesPerChunk;
        if (chunks == 1) task.Run(0);
        else ComputePool.For(chunks, ref task);
    }

    private struct ColumnsTask : IComputeTask
    {
        public int M, N, K, TilesPerChunk;
        public float Alpha, Beta;
        public float* A, B, C;
        public nint Lda, Ldb, Ldc;

        public void Run(int index)
        {
            int j0 = index * TilesPerChunk * 3, j1 = Math.Min(N, j0 + TilesPerChunk * 3);
            for (int j = j0; j < j1; j += 3)
                for (int i = 0; i < M; i += 4)
                    Tile(Math.Min(4, M - i), Math.Min(3, j1 - j), K, Alpha, A + i * Lda, Lda, B + j * Ldb, Ldb, Beta, C + i * Ldc + j, Ldc);
        }
    }

    /// <summary>Up to 4×3 elements of C; missing rows or columns re-read the first one and are not stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(int h, int w, int k, float alpha, float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        float* a0 = a, a1 = a + (h > 1 ? lda : 0), a2 = a + (h > 2 ? 2 * lda : 0), a3 = a + (h > 3 ? 3 * lda : 0);
        float* b0 = b, b1 = b + (w > 1 ? ldb : 0), b2 = b + (w > 2 ? 2 * ldb : 0);
        Vector256<float> s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
        Vector256<float> s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
        int p = 0;
        // The next tile's rows of B follow these three: fetch them ahead, since each row is only
        // k floats long and the hardware prefetcher barely ramps up on such short streams.
        float* next = b + 3 * ldb;
        for (; p + 8 <= k; p += 8)
        {
            if ((p & 15) == 0)
            {
                Sse.Prefetch0(next + p);
                Sse.Prefetch0(next + ldb + p);
                Sse.Prefetch0(next + 2 * ldb + p);
            }
            var y0 = Avx.LoadVector256(b0 + p);
            var y1 = Avx.LoadVector256(b1 + p);
            var y2 = Avx.LoadVector256(b2 + p);
            var x = Avx.LoadVector256(a0 + p);
            s00 = Fma.MultiplyAdd(x, y0, s00); s01 = Fma.MultiplyAdd(x, y1, s01); s02 = Fma.MultiplyAdd(x, y2, s02);
            x = Avx.LoadVector256(a1 + p);
            s10 = Fma.MultiplyAdd(x, y0, s10); s11 = Fma.MultiplyAdd(x, y1, s11); s12 = Fma.MultiplyAdd(x, y2, s12);
            x = Avx.LoadVector256(a2 + p);
            s20 = Fma.MultiplyAdd(x, y0, s20); s21 = Fma.MultiplyAdd(x, y1, s21); s22 = Fma.MultiplyAdd(x, y2, s22);
            x = Avx.LoadVector256(a3 + p);
            s30 = Fma.MultiplyAdd(x, y0, s30); s31 = Fma.MultiplyAdd(x, y1, s31); s32 = Fma.MultiplyAdd(x, y2, s32);
        }
        StoreRow(c, w, s00, s01, s02, a0, b0, b1, b2, p, k, alpha, beta);
        if (h > 1) StoreRow(c + ldc, w, s10, s11, s12, a1, b0, b1, b2, p, k, alpha, beta);
        if (h > 2) StoreRow(c + 2 * ldc, w, s20, s21, s22, a2, b0, b1, b2, p, k, alpha, beta);
        if (h > 3) StoreRow(c + 3 * ldc, w, s30, s31, s32, a3, b0, b1, b2, p, k, alpha, beta);
    }

    /// <summary>Reduces one row's accumulators, adds the k tail past the last full vector, applies alpha and beta.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, int w, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2,
        float* a, float* b0, float* b1, float* b2, int p, int k, float alpha, float beta)
    {
        float t0 = Vector256.Sum(v0), t1 = Vector256.Sum(v1), t2 = Vector256.Sum(v2);
        for (; p < k; p++)
        {
            t0 = MathF.FusedMultiplyAdd(a[p], b0[p], t0);
            t1 = MathF.FusedMultiplyAdd(a[p], b1[p], t1);
            t2 = MathF.FusedMultiplyAdd(a[p], b2[p], t2);
        }
        Store(c, t0, alpha, beta);
        if (w > 1) Store(c + 1, t1, alpha, beta);
        if (w > 2) Store(c + 2, t2, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, float v, float alpha, float beta)
        => *c = beta == 0 ? alpha * v : MathF.FusedMultiplyAdd(beta, *c, alpha * v);
}
