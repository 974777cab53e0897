using System.Text;

namespace Sharpformer.Tests;

/// <summary>Relative L2 error checks of float32 results against float64 references.</summary>
public static class Precision
{
    /// <summary>‖actual − expected‖₂ / ‖expected‖₂ (the absolute norm when the reference is all zeros).</summary>
    public static double RelativeL2(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"Lengths differ: {actual.Length} vs {expected.Length}.");
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        return norm == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / norm);
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double tolerance, string what)
    {
        double err = RelativeL2(actual, expected);
        if (!(err <= tolerance))
            Assert.Fail($"{what}: relative L2 error {err:E3} exceeds {tolerance:E1} (first values: {Preview(actual, expected)})");
    }

    private static string Preview(ReadOnlySpan<float> a, ReadOnlySpan<double> e)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Math.Min(4, a.Length); i++) sb.Append($"{a[i]:G6} vs {e[i]:G6}; ");
        return sb.ToString();
    }
}
