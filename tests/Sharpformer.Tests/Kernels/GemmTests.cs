using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

public class GemmTests
{
    public static IEnumerable<object[]> Kernels() =>
        Enum.GetValues<GemmKernelKind>().Where(GemmKernelSelector.IsSupported).Select(k => new object[] { k });

    private static readonly int[] Sizes = [1, 7, 33, 257];

    /// <summary>Runs one product on padded, strided operands and checks all of C, padding included.</summary>
    private static void Check(GemmKernelKind kernel, int threads, bool transA, bool transB, int m, int n, int k,
        float alpha, float beta, int pad, Random random, bool nanC = false, GemmPath path = GemmPath.Auto)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        var a = GemmReference.Random(random, Math.Max(1, aRows * lda));
        var b = GemmReference.Random(random, Math.Max(1, bRows * ldb));
        var c = GemmReference.Random(random, Math.Max(1, m * ldc));
        if (nanC)
            for (int i = 0; i < m; i++) Array.Fill(c, float.NaN, i * ldc, n);
        var (expected, tolerance) = GemmReference.Compute(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Gemm.Sgemm(kernel, threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, path);
        GemmReference.AssertClose(expected, tolerance, c,
            $"{kernel} {path} threads={threads} trans={transA},{transB} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}");
    }

    public static IEnumerable<object[]> KernelsAndPaths() =>
        from kernel in Enum.GetValues<GemmKernelKind>().Where(GemmKernelSelector.IsSupported)
        from path in new[] { "Packed", "Small", "Skinny" }
        select new object[] { kernel, path };

    [Theory]
    [MemberData(nameof(KernelsAndPaths))]
    public void EdgeSizes_AllTransposes_MatchReference(GemmKernelKind kernel, string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        var random = new Random(1);
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (int m in Sizes)
                    foreach (int n in Sizes)
                        foreach (int k in Sizes)
                        {
                            if ((long)m * n * k > 257L * 257 * 33) continue; // the 257³ corner is covered below
                            Check(kernel, 1, transA, transB, m, n, k, 1f, 0f, 0, random, path: path);
                        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void LargeAndMixedShapes_StridedOperands_OneAndTwoThreads(GemmKernelKind kernel)
    {
        var random = new Random(2);
        // Few rows (column chunks per thread), few columns, deep k (several k slices), wide n (several NC blocks).
        int[][] shapes = [[257, 257, 257], [300, 70, 513], [6, 1000, 40], [30, 200, 50], [1000, 5, 300], [129, 290, 17], [64, 64, 700], [13, 4500, 3]];
        foreach (var s in shapes)
            foreach (int threads in new[] { 1, 2, 3 })
                for (int variant = 0; variant < 4; variant++)
                {
                    bool transA = (variant & 1) != 0, transB = (variant & 2) != 0;
                    Check(kernel, threads, transA, transB, s[0], s[1], s[2], 0.75f, 0.5f, 3, random, path: GemmPath.Packed);
                }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AlphaBetaVariants(GemmKernelKind kernel)
    {
        var random = new Random(3);
        foreach (float alpha in new[] { 1f, -2f, 0.3f })
            foreach (float beta in new[] { 0f, 1f, -0.5f })
                foreach (var (m, n, k) in new[] { (7, 33, 5), (40, 48, 100), (200, 150, 300) })
                    foreach (var path in new[] { GemmPath.Small, GemmPath.Skinny, GemmPath.Packed })
                        foreach (int threads in new[] { 1, 2 })
                            Check(kernel, threads, alpha < 0, beta < 0, m, n, k, alpha, beta, 1, random, path: path);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void FewRowsTimesTransposedB_DecoderStepShapes(GemmKernelKind kernel)
    {
        // A decoder step: batch × beam rows through a Linear layer (W is [out, in]) or the output projection.
        var random = new Random(9);
        foreach (var (m, n, k) in new[] { (1, 1000, 256), (5, 801, 259), (16, 130, 1024), (3, 2, 7) })
            foreach (var path in new[] { GemmPath.Auto, GemmPath.Skinny })
                foreach (int threads in new[] { 1, 2, 3 })
                    Check(kernel, threads, false, true, m, n, k, 0.5f, m % 2 == 0 ? 0f : 2f, 1, random, path: path);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void BetaZero_OverwritesNaN(GemmKernelKind kernel)
    {
        var random = new Random(4);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (24, 24, 64), (33, 7, 257), (300, 200, 100) })
            foreach (var path in new[] { GemmPath.Auto, GemmPath.Small, GemmPath.Skinny, GemmPath.Packed })
                foreach (int threads in new[] { 1, 2 })
                    Check(kernel, threads, m % 2 == 0, true, m, n, k, 1f, 0f, 2, random, nanC: true, path: path);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AttentionHeadShapes_OnStridedHeadColumns(GemmKernelKind kernel)
    {
        // One head's Q, K, V are 64-column slices of a [24, 768] QKV matrix.
        var random = new Random(5);
        const int t = 24, dk = 64, ld = 768;
        var qkv = GemmReference.Random(random, t * ld);
        var q = qkv.AsSpan(64).ToArray();
        var k = qkv.AsSpan(256 + 64).ToArray();
        var scores = new float[t * t];
        var (expected, tolerance) = GemmReference.Compute(false, true, t, t, dk, 0.125f, q, ld, k, ld, 0f, scores, t);
        Gemm.Sgemm(kernel, 1, false, true, t, t, dk, 0.125f, q, ld, k, ld, 0f, scores, t);
        GemmReference.AssertClose(expected, tolerance, scores, $"{kernel} Q·Kᵀ");

        var probabilities = GemmReference.Random(random, t * t);
        var output = GemmReference.Random(random, t * 256);
        var v = qkv.AsSpan(512 + 64).ToArray();
        (expected, tolerance) = GemmReference.Compute(false, false, t, dk, t, 1f, probabilities, t, v, ld, 0f, output, 256);
        Gemm.Sgemm(kernel, 1, false, false, t, dk, t, 1f, probabilities, t, v, ld, 0f, output, 256);
        GemmReference.AssertClose(expected, tolerance, output, $"{kernel} P·V");
    }

    [Fact]
    public void ZeroDepthOrAlpha_ScalesC()
    {
        var c = new[] { 1f, 2f, float.NaN, 4f };
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Assert.Equal(new[] { 0f, 0f, 0f, 0f }, c);
        c = [1f, 2f, 3f, 4f];
        Gemm.Sgemm(false, false, 2, 2, 1, 0f, [float.NaN, float.NaN], 1, [1f, 1f], 2, 2f, c, 2);
        Assert.Equal(new[] { 2f, 4f, 6f, 8f }, c);
    }

    [Fact]
    public void PublicSpanOverload_MatchesReference()
    {
        var random = new Random(6);
        int m = 70, n = 90, k = 110;
        var a = GemmReference.Random(random, m * k);
        var b = GemmReference.Random(random, n * k);
        var c = new float[m * n];
        var (expected, tolerance) = GemmReference.Compute(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
        Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
        GemmReference.AssertClose(expected, tolerance, c, "span");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AnyThreadCount_GivesBitIdenticalResults(GemmKernelKind kernel)
    {
        // Row blocks and column chunks start on whole register tiles and k is sliced the same way,
        // so each element is summed in the same order on 1, 2 or 3 threads.
        var random = new Random(8);
        foreach (var (m, n, k) in new[] { (301, 203, 517), (5, 700, 300) })
        {
            var a = GemmReference.Random(random, m * k);
            var b = GemmReference.Random(random, n * k);
            var reference = GemmReference.Random(random, m * n);
            var c0 = (float[])reference.Clone();
            Gemm.Sgemm(kernel, 1, true, true, m, n, k, 1.5f, a, m, b, k, 0.5f, c0, n, GemmPath.Packed);
            foreach (int threads in new[] { 2, 3 })
            {
                var c = (float[])reference.Clone();
                Gemm.Sgemm(kernel, threads, true, true, m, n, k, 1.5f, a, m, b, k, 0.5f, c, n, GemmPath.Packed);
                Assert.Equal(c0, c);
            }
        }
    }

    [Fact]
    public void SameThreadCount_GivesBitIdenticalResults()
    {
        var random = new Random(7);
        int m = 500, n = 300, k = 700;
        var a = GemmReference.Random(random, m * k);
        var b = GemmReference.Random(random, k * n);
        var first = new float[m * n];
        var second = new float[m * n];
        Gemm.Sgemm(GemmKernelSelector.Best, 2, false, false, m, n, k, 1f, a, k, b, n, 0f, first, n);
        Gemm.Sgemm(GemmKernelSelector.Best, 2, false, false, m, n, k, 1f, a, k, b, n, 0f, second, n);
        Assert.Equal(first, second);
    }
}
