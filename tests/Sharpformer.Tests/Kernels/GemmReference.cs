namespace Sharpformer.Tests.Kernels;

/// <summary>Naive double-precision GEMM and the operands the GEMM tests feed it.</summary>
internal static class GemmReference
{
    /// <summary>
    /// Expected C (double) and the error bound per element: 1e-5 · (Σ_p |alpha·a·b| + |beta·c|) plus a tiny absolute floor.
    /// </summary>
    public static (double[] Expected, double[] Tolerance) Compute(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var expected = new double[c.Length];
        var tolerance = new double[c.Length];
        for (int i = 0; i < c.Length; i++) expected[i] = c[i];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = transA ? a[p * lda + i] : a[i * lda + p];
                    double y = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }
                int at = i * ldc + j;
                double old = beta == 0 ? 0 : beta * (double)c[at];
                expected[at] = alpha * sum + old;
                tolerance[at] = 1e-5 * (Math.Abs(alpha) * magnitude + Math.Abs(old)) + 1e-30;
            }
        return (expected, tolerance);
    }

    public static float[] Random(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Asserts every element (including the gaps between strided rows) matches the reference.</summary>
    public static void AssertClose(double[] expected, double[] tolerance, float[] actual, string context)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance[i]))
                Assert.Fail($"{context}: C[{i}] = {actual[i]}, expected {expected[i]} (error {error:E2} > {tolerance[i]:E2})");
        }
    }
}
