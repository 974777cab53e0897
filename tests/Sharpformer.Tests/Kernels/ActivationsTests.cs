using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

/// <summary>ReLU, GELU, bias addition and bias gradients against naive double-precision references.</summary>
public sealed class ActivationsTests
{
    public static TheoryData<int> Lengths() => new(TestData.OddLengths);

    private static double GeluReference(double x) => 0.5 * x * (1 + ErfTests.DecimalReference(x / Math.Sqrt(2)));

    [Theory, MemberData(nameof(Lengths))]
    public void Relu_clamps_negatives_in_place_or_not(int n)
    {
        var x = TestData.Uniform(new Random(n), n);
        x[0] = -0f;
        var expected = x.Select(v => (double)Math.Max(0f, v)).ToArray();
        var y = new float[n];
        Activations.Relu(x, y);
        Precision.AssertClose(y, expected, 0, "relu");
        Activations.Relu(x, x);
        Assert.Equal(y, x);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Relu_backward_passes_gradient_only_where_the_output_is_positive(int n)
    {
        var rng = new Random(10 + n);
        var y = TestData.Uniform(rng, n).Select(v => Math.Max(0f, v)).ToArray();   // includes exact zeros
        if (n > 2) y[2] = 0f;
        var dy = TestData.Uniform(rng, n);
        var expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = y[i] > 0 ? dy[i] : 0;
        var dx = Enumerable.Repeat(float.NaN, n).ToArray();
        Activations.ReluBackward(y, dy, dx);
        Precision.AssertClose(dx, expected, 0, "relu backward");
        Activations.ReluBackward(y, dy, dy);
        Assert.Equal(dx, dy);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Gelu_matches_x_times_the_normal_cdf(int n)
    {
        var x = TestData.Uniform(new Random(20 + n), n, -6f, 6f);
        var expected = x.Select(v => GeluReference(v)).ToArray();
        var y = new float[n];
        Activations.Gelu(x, y);
        Precision.AssertClose(y, expected, 1e-7, "gelu");
        Activations.Gelu(x, x);
        Assert.Equal(y, x);
    }

    [Fact]
    public void Gelu_matches_known_values()
    {
        // x·Φ(x) with Φ(1) = 0.8413447460685429, Φ(−1) = 0.15865525393145707, Φ(3) = 0.9986501019683699
        float[] x = [1f, -1f, 3f, 0f, -10f, 10f];
        double[] expected = [0.8413447460685429, -0.15865525393145707, 3 * 0.9986501019683699, 0, 0, 10];
        var y = new float[x.Length];
        Activations.Gelu(x, y);
        for (int i = 0; i < x.Length; i++) Assert.InRange(Math.Abs(y[i] - expected[i]), 0, 1e-7 * Math.Max(1, Math.Abs(expected[i])));
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Gelu_backward_matches_a_finite_difference_of_the_reference(int n)
    {
        var rng = new Random(30 + n);
        var x = TestData.Uniform(rng, n, -4f, 4f);
        var dy = TestData.Uniform(rng, n);
        const double h = 1e-4;
        var expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = dy[i] * (GeluReference(x[i] + h) - GeluReference(x[i] - h)) / (2 * h);
        var dx = new float[n];
        Activations.GeluBackward(x, dy, dx);
        Precision.AssertClose(dx, expected, 1e-6, "gelu backward");
        Activations.GeluBackward(x, dy, dy);
        Assert.Equal(dx, dy);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Add_bias_adds_the_row_to_every_row(int n)
    {
        var rng = new Random(40 + n);
        const int rows = 3;
        var y = TestData.Uniform(rng, rows * n + 2);       // two trailing values that must stay untouched
        var bias = TestData.Uniform(rng, n);
        var expected = new double[y.Length];
        for (int i = 0; i < y.Length; i++) expected[i] = i < rows * n ? (double)y[i] + bias[i % n] : y[i];
        Activations.AddBias(y, bias, rows);
        Precision.AssertClose(y, expected, 1e-7, "add bias");
        Assert.Throws<ArgumentException>(() => Activations.AddBias(new float[rows * n - 1], bias, rows));
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Bias_gradient_accumulates_column_sums(int n)
    {
        var rng = new Random(50 + n);
        const int rows = 5;
        var dy = TestData.Uniform(rng, rows * n);
        var db = TestData.Uniform(rng, n);
        var expected = new double[n];
        for (int j = 0; j < n; j++)
        {
            expected[j] = db[j];
            for (int r = 0; r < rows; r++) expected[j] += dy[r * n + j];
        }
        Activations.AccumulateBiasGrad(dy, db, rows);
        Precision.AssertClose(db, expected, 1e-6, "bias grad");
        Assert.Throws<ArgumentException>(() => Activations.AccumulateBiasGrad(new float[rows * n - 1], db, rows));
    }

    [Fact]
    public void Reject_short_outputs()
    {
        Assert.Throws<ArgumentException>(() => Activations.Relu(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => Activations.Gelu(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => Activations.ReluBackward(new float[4], new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => Activations.GeluBackward(new float[4], new float[4], new float[3]));
    }
}
