namespace Sharpformer.Kernels;

/// <summary>
/// Single-precision matrix multiply on row-major data:
/// C[m×n] = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ.
/// op(A) is m×k (A is stored m×k with row stride lda, or k×m when transA);
/// op(B) is k×n (B is stored k×n with row stride ldb, or n×k when transB).
/// When beta is 0, C is overwritten and its old contents are never read.
/// </summary>
/// <remarks>
/// Tiny products (m·n·k ≤ 64³) run an unpacked AVX2 kernel in place; A·Bᵀ with at most 16 rows
/// runs as row-by-row dot products; everything else takes the packed, cache-blocked path
/// (<see cref="GemmBlocked{TKernel}"/>) on the widest supported micro-kernel, split over
/// <see cref="ComputePool"/> from 128³ multiply-adds up. Results are deterministic and do not
/// depend on the thread count.
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>C = alpha·op(A)·op(B) + beta·C on spans; throws if a leading dimension or a span is too small.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
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
        if (m > 0 && k > 0 && aLen < (long)(aRows - 1) * lda + aCols) throw new ArgumentException("A is too short for its shape.", "a");
        if (n > 0 && k > 0 && bLen < (long)(bRows - 1) * ldb + bCols) throw new ArgumentException("B is too short for its shape.", "b");
        if (m > 0 && n > 0 && cLen < (long)(m - 1) * ldc + n) throw new ArgumentException("C is too short for its shape.", "c");
    }

    /// <summary>Environment variable that forces a kernel at start-up: scalar, vector128, avx2 or avx512.</summary>
    public const string KernelEnvironmentVariable = "SHARPFORMER_GEMM_KERNEL";

    /// <summary>At most this many multiply-adds (m·n·k) go to the unpacked small-matrix kernels.</summary>
    internal const long SmallWork = 64 * 64 * 64;

    /// <summary>Below this many multiply-adds a product runs on the calling thread only.</summary>
    internal const long ParallelWork = 128 * 128 * 128;

    // Read on first use rather than in the type initializer, so a bad value surfaces as a plain
    // UserInputException instead of a TypeInitializationException.
    private static int _kernel = -1;

    /// <summary>
    /// The micro-kernel family used by <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>;
    /// defaults to <see cref="GemmKernelSelector.Best"/> or the one named in <see cref="KernelEnvironmentVariable"/>.
    /// </summary>
    public static GemmKernelKind Kernel
    {
        get
        {
            int kernel = Volatile.Read(ref _kernel);
            if (kernel < 0)
            {
                kernel = (int)GemmKernelSelector.Parse(Environment.GetEnvironmentVariable(KernelEnvironmentVariable));
                Volatile.Write(ref _kernel, kernel);
            }
            return (GemmKernelKind)kernel;
        }
        set => Volatile.Write(ref _kernel, GemmKernelSelector.IsSupported(value) ? (int)value
            : throw new ArgumentException($"This CPU cannot run the {value} GEMM kernel.", nameof(value)));
    }

    /// <summary>The same product with an explicit kernel, thread count and path (for tests and benchmarks).</summary>
    internal static void Sgemm(GemmKernelKind kernel, int threads, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, GemmPath path = GemmPath.Auto)
    {
        if (!GemmKernelSelector.IsSupported(kernel)) throw new ArgumentException($"This CPU cannot run the {kernel} GEMM kernel.", nameof(kernel));
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            Run(kernel, threads, path, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    private static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => Run(Kernel, ComputePool.Threads, GemmPath.Auto, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    private static void Run(GemmKernelKind kernel, int threads, GemmPath path, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        long work = (long)m * n * k;
        // A·Bᵀ with few rows (decoder steps, attention of one query) is a set of dot products over
        // contiguous rows of B: cheaper than either copying B transposed or packing it.
        bool fewRowsABt = path == GemmPath.Auto && transB && !transA && m <= GemmSkinny.MaxRows;
        bool small = path == GemmPath.Small || path == GemmPath.Auto && work <= SmallWork && !fewRowsABt;
        // The unpacked kernel is AVX2 code: a forced portable kernel must not be bypassed.
        if (small && kernel is GemmKernelKind.Avx2 or GemmKernelKind.Avx512 && GemmSmall.IsSupported)
        {
            GemmSmall.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        if (path == GemmPath.Auto && work < ParallelWork || ComputePool.IsInsideLoop) threads = 1;
        bool skinny = path == GemmPath.Skinny || path == GemmPath.Auto && m <= GemmSkinny.MaxRows;
        if (skinny && transB && !transA && kernel is GemmKernelKind.Avx2 or GemmKernelKind.Avx512 && GemmSkinny.IsSupported)
        {
            GemmSkinny.Run(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
            return;
        }
        switch (kernel)
        {
            case GemmKernelKind.Avx512:
                GemmBlocked<GemmMicroKernelAvx512>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
                break;
            case GemmKernelKind.Avx2:
                GemmBlocked<GemmMicroKernelAvx2>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
                break;
            case GemmKernelKind.Vector128:
                GemmBlocked<GemmMicroKernelVector128>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
                break;
            default:
                GemmBlocked<GemmMicroKernelScalar>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
                break;
        }
    }

    /// <summary>C = beta·C, the whole product when k or alpha is 0 (beta 0 clears C without reading it).</summary>
    private static void ScaleC(int m, int n, float beta, float* c, nint ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }
}
