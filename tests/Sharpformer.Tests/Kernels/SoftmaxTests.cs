using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

/// <summary>Softmax forward and backward against naive double-precision references.</summary>
public sealed class SoftmaxTests
{
    // Reference: exp(x − max)/Σ over the finite entries of the prefix, computed in double.
    private static double[] ReferenceSoftmax(ReadOnlySpan<float> x, int valid, int length)
    {
        var p = new double[length];
        double max = double.NegativeInfinity;
        for (int i = 0; i < valid; i++) max = Math.Max(max, x[i]);
        if (double.IsNegativeInfinity(max)) return p;
        double sum = 0;
        for (int i = 0; i < valid; i++) sum += p[i] = Math.Exp(x[i] - max);
        for (int i = 0; i < valid; i++) p[i] /= sum;
        return p;
    }

    public static TheoryData<int> Lengths() => new(TestData.OddLengths);

    [Theory, MemberData(nameof(Lengths))]
    public void Full_row_matches_the_reference_and_sums_to_one(int n)
    {
        var rng = new Random(n);
        var x = TestData.Uniform(rng, n, -8f, 8f);
        var expected = ReferenceSoftmax(x, n, n);
        Softmax.InPlace(x, n);
        Precision.AssertClose(x, expected, 1e-6, $"softmax n={n}");
        Assert.InRange(x.Sum(v => (double)v), 1 - 1e-5, 1 + 1e-5);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Valid_prefix_is_normalised_alone_and_the_rest_is_zeroed_without_being_read(int n)
    {
        var rng = new Random(100 + n);
        int valid = (n + 1) / 2;
        var x = TestData.Uniform(rng, n, -5f, 5f);
        for (int i = valid; i < n; i++) x[i] = float.NaN;       // must be ignored, then overwritten
        var expected = ReferenceSoftmax(x, valid, n);
        Softmax.InPlace(x, valid);
        Precision.AssertClose(x, expected, 1e-6, $"softmax n={n} valid={valid}");
        for (int i = valid; i < n; i++) Assert.Equal(0f, x[i]);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Minus_infinity_entries_get_exactly_zero_probability(int n)
    {
        var rng = new Random(200 + n);
        var x = TestData.Uniform(rng, n, -3f, 3f);
        for (int i = 0; i < n; i += 3) if (i != n - 1) x[i] = float.NegativeInfinity;
        var expected = ReferenceSoftmax(x, n, n);
        var masked = x.Select(float.IsNegativeInfinity).ToArray();
        Softmax.InPlace(x, n);
        Precision.AssertClose(x, expected, 1e-6, $"softmax with −∞ n={n}");
        for (int i = 0; i < n; i++) if (masked[i]) Assert.Equal(0f, x[i]);
        Assert.All(x, v => Assert.True(float.IsFinite(v)));
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Fully_masked_or_empty_rows_become_zeros_not_nan(int n)
    {
        var x = Enumerable.Repeat(float.NegativeInfinity, n).ToArray();
        Softmax.InPlace(x, n);
        Assert.All(x, v => Assert.Equal(0f, v));

        var y = TestData.Uniform(new Random(n), n);
        Softmax.InPlace(y, 0);
        Assert.All(y, v => Assert.Equal(0f, v));

        // masked prefix, garbage after it
        var z = Enumerable.Repeat(float.NegativeInfinity, n).ToArray();
        if (n > 1) z[^1] = 5f;
        Softmax.InPlace(z, Math.Max(1, n - 1));
        Assert.All(z, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Large_logits_do_not_overflow()
    {
        var rng = new Random(7);
        foreach (float offset in new[] { 88f, 1000f, 1e5f, -1e5f })
        {
            var x = TestData.Uniform(rng, 33, -4f, 4f).Select(v => offset + v).ToArray();
            var expected = ReferenceSoftmax(x, x.Length, x.Length);
            Softmax.InPlace(x, x.Length);
            Assert.All(x, v => Assert.True(float.IsFinite(v), $"offset {offset}: non-finite {v}"));
            Precision.AssertClose(x, expected, 1e-5, $"softmax around {offset}");
        }
        var big = new[] { 88.8f, 100f, 200f };                  // exp(200) overflows float without the max shift
        var expectedBig = ReferenceSoftmax(big, 3, 3);
        Softmax.InPlace(big, 3);
        Precision.AssertClose(big, expectedBig, 1e-6, "softmax [88.8, 100, 200]");

        var extreme = new[] { 3e38f, 2.9e38f, -3e38f, 3.4e38f };   // near float.MaxValue: only the largest survives
        Softmax.InPlace(extreme, 4);
        Assert.Equal(new[] { 0f, 0f, 0f, 1f }, extreme);
    }

    [Fact]
    public void Rejects_a_valid_count_beyond_the_row()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.InPlace(new float[3], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.InPlace(new float[3], -1));
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Backward_matches_the_reference_jacobian_product(int n)
    {
        var rng = new Random(300 + n);
        var x = TestData.Uniform(rng, n, -3f, 3f);
        var p = (float[])x.Clone();
        Softmax.InPlace(p, n);
        var dp = TestData.Uniform(rng, n);

        // dx_j = Σ_i dp_i ∂p_i/∂x_j with ∂p_i/∂x_j = p_i(δ_ij − p_j), summed naively in double
        var expected = new double[n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                expected[j] += dp[i] * (double)p[i] * ((i == j ? 1.0 : 0.0) - p[j]);

        var dx = new float[n];
        Softmax.Backward(p, dp, dx);
        Precision.AssertClose(dx, expected, 1e-5, $"softmax backward n={n}");

        var alias = (float[])dp.Clone();
        Softmax.Backward(p, alias, alias);
        Assert.Equal(dx, alias);
    }

    [Fact]
    public void Backward_agrees_with_a_finite_difference_of_the_double_softmax()
    {
        var rng = new Random(11);
        int n = 7;
        var x = TestData.Uniform(rng, n, -2f, 2f);
        var dp = TestData.Uniform(rng, n);
        var p = (float[])x.Clone();
        Softmax.InPlace(p, n);
        var dx = new float[n];
        Softmax.Backward(p, dp, dx);

        double Objective(double[] xs)
        {
            double max = xs.Max(), sum = xs.Sum(v => Math.Exp(v - max)), s = 0;
            for (int i = 0; i < n; i++) s += dp[i] * Math.Exp(xs[i] - max) / sum;
            return s;
        }
        var fd = new double[n];
        var xd = TestData.ToDoubles(x);
        const double h = 1e-5;
        for (int j = 0; j < n; j++)
        {
            double keep = xd[j];
            xd[j] = keep + h; double up = Objective(xd);
            xd[j] = keep - h; double down = Objective(xd);
            xd[j] = keep;
            fd[j] = (up - down) / (2 * h);
        }
        Precision.AssertClose(dx, fd, 1e-5, "softmax backward vs finite difference");
    }

    [Fact]
    public void Backward_rejects_mismatched_lengths() =>
        Assert.Throws<ArgumentException>(() => Softmax.Backward(new float[3], new float[2], new float[3]));
}
