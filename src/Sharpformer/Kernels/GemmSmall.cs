using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sharpformer.Kernels;

/// <summary>
/// Unpacked AVX2 kernel for products so small (e.g. one attention head: 24×24×64) that packing
/// and dispatch would cost as much as the arithmetic: A, B and C are read in place through their
/// strides (only a transposed B is first turned into rows), four rows of C at a time.
/// </summary>
internal static unsafe class GemmSmall
{
    /// <summary>True when this CPU has the AVX2+FMA instructions the unpacked kernels use.</summary>
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        if (transB)
        {
            // The kernel streams rows of op(B); a transposed B is first copied (k×n, at most SmallWork/m floats).
            float* rows = GemmBuffers.PackedB((long)k * n);
            GemmTranspose.Transpose(b, ldb, n, k, rows, n);
            b = rows;
            ldb = n;
        }
        // op(A)(i,p) = a[i·rowStride + p·depthStride]
        nint rowStride = transA ? 1 : lda, depthStride = transA ? lda : 1;
        for (int i = 0; i < m; i += 4)
            BroadcastRows(Math.Min(4, m - i), n, k, alpha, a + i * rowStride, rowStride, depthStride, b, ldb, beta, c + i * ldc, ldc);
    }

    /// <summary>Up to 4 rows of C = op(A)·B with B read row by row: broadcast A, stream B's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BroadcastRows(int h, int n, int k, float alpha, float* a, nint rowStride, nint depthStride,
        float* b, nint ldb, float beta, float* c, nint ldc)
    {
        // Missing rows re-read row 0 and are simply not stored.
        float* a0 = a, a1 = a + (h > 1 ? rowStride : 0), a2 = a + (h > 2 ? 2 * rowStride : 0), a3 = a + (h > 3 ? 3 * rowStride : 0);
        int j = 0;
        for (; j + 16 <= n; j += 16)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
            Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
            float* bp = b + j;
            nint off = 0;
            for (int p = 0; p < k; p++, bp += ldb, off += depthStride)
            {
                var b0 = Avx.LoadVector256(bp);
                var b1 = Avx.LoadVector256(bp + 8);
                var av = Vector256.Create(a0[off]);
                c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
                av = Vector256.Create(a1[off]);
                c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
                av = Vector256.Create(a2[off]);
                c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
                av = Vector256.Create(a3[off]);
                c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            }
            float* cj = c + j;
            Store(cj, c00, alpha, beta); Store(cj + 8, c01, alpha, beta);
            if (h > 1) { Store(cj + ldc, c10, alpha, beta); Store(cj + ldc + 8, c11, alpha, beta); }
            if (h > 2) { Store(cj + 2 * ldc, c20, alpha, beta); Store(cj + 2 * ldc + 8, c21, alpha, beta); }
            if (h > 3) { Store(cj + 3 * ldc, c30, alpha, beta); Store(cj + 3 * ldc + 8, c31, alpha, beta); }
        }
        for (; j + 8 <= n; j += 8)
        {
            Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
            float* bp = b + j;
            nint off = 0;
            for (int p = 0; p < k; p++, bp += ldb, off += depthStride)
            {
                var b0 = Avx.LoadVector256(bp);
                c0 = Fma.MultiplyAdd(Vector256.Create(a0[off]), b0, c0);
                c1 = Fma.MultiplyAdd(Vector256.Create(a1[off]), b0, c1);
                c2 = Fma.MultiplyAdd(Vector256.Create(a2[off]), b0, c2);
                c3 = Fma.MultiplyAdd(Vector256.Create(a3[off]), b0, c3);
            }
            float* cj = c + j;
            Store(cj, c0, alpha, beta);
            if (h > 1) Store(cj + ldc, c1, alpha, beta);
            if (h > 2) Store(cj + 2 * ldc, c2, alpha, beta);
            if (h > 3) Store(cj + 3 * ldc, c3, alpha, beta);
        }
        for (; j < n; j++)
        {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            float* bp = b + j;
            nint off = 0;
            for (int p = 0; p < k; p++, bp += ldb, off += depthStride)
            {
                float bv = *bp;
                s0 = MathF.FusedMultiplyAdd(a0[off], bv, s0);
                s1 = MathF.FusedMultiplyAdd(a1[off], bv, s1);
                s2 = MathF.FusedMultiplyAdd(a2[off], bv, s2);
                s3 = MathF.FusedMultiplyAdd(a3[off], bv, s3);
            }
            StoreScalar(c + j, s0, alpha, beta);
            if (h > 1) StoreScalar(c + ldc + j, s1, alpha, beta);
            if (h > 2) StoreScalar(c + 2 * ldc + j, s2, alpha, beta);
            if (h > 3) StoreScalar(c + 3 * ldc + j, s3, alpha, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v, float alpha, float beta)
    {
        v = Avx.Multiply(v, Vector256.Create(alpha));
        if (beta != 0) v = Fma.MultiplyAdd(Vector256.Create(beta), Avx.LoadVector256(c), v);
        Avx.Store(c, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreScalar(float* c, float v, float alpha, float beta)
        => *c = beta == 0 ? alpha * v : MathF.FusedMultiplyAdd(beta, *c, alpha * v);
}
