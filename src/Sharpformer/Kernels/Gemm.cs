namespace Sharpformer.Kernels;

/// <summary>
/// Single-precision matrix multiply on row-major data:
/// C[m×n] = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ.
/// op(A) is m×k (A is stored m×k with row stride lda, or k×m when transA);
/// op(B) is k×n (B is stored k×n with row stride ldb, or n×k when transB).
/// When beta is 0, C is overwritten and its old contents are never read.
/// </summary>
public static unsafe class Gemm
{
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    /// <summary>Pointer form for callers that already hold pinned memory; same contract, lengths unchecked.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        Validate(transA, transB, m, n, k, long.MaxValue, lda, long.MaxValue, ldb, long.MaxValue, ldc);
        Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k,
        long aLen, int lda, long bLen, int ldb, long cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"Negative GEMM size m={m} n={n} k={k}.");
        int aCols = transA ? m : k, aRows = transA ? k : m;
        int bCols = transB ? k : n, bRows = transB ? n : k;
        if (lda < Math.Max(1, aCols)) throw new ArgumentException($"lda={lda} is smaller than the {aCols} columns of A.", nameof(lda));
        if (ldb < Math.Max(1, bCols)) throw new ArgumentException($"ldb={ldb} is smaller than the {bCols} columns of B.", nameof(ldb));
        if (ldc < Math.Max(1, n)) throw new ArgumentException($"ldc={ldc} is smaller than the {n} columns of C.", nameof(ldc));
        if (m > 0 && k > 0 && aLen < (long)(aRows - 1) * lda + aCols) throw new ArgumentException("A is too short for its shape.", nameof(aLen));
        if (n > 0 && k > 0 && bLen < (long)(bRows - 1) * ldb + bCols) throw new ArgumentException("B is too short for its shape.", nameof(bLen));
        if (m > 0 && n > 0 && cLen < (long)(m - 1) * ldc + n) throw new ArgumentException("C is too short for its shape.", nameof(cLen));
    }

    // Portable reference path (replaced by the packed, blocked implementation).
    private static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                float* cij = c + (long)i * ldc + j;
                *cij = beta == 0 ? alpha * s : alpha * s + beta * *cij;
            }
    }
}
