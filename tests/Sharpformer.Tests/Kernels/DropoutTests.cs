using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

/// <summary>Counter-based inverted dropout: statistics, determinism, scaling and backward.</summary>
public sealed class DropoutTests
{
    private const int N = 100_000;

    private static float[] Mask(int n, float p, ulong seed, ulong counter)
    {
        var mask = new float[n];
        Dropout.Forward(new float[n], new float[n], mask, p, seed, counter);
        return mask;
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void Keeps_a_fraction_one_minus_p_within_five_sigma(float p)
    {
        for (ulong counter = 0; counter < 3; counter++)
        {
            var mask = Mask(N, p, seed: 1234, counter);
            int kept = mask.Count(m => m != 0f);
            double mean = N * (1.0 - p), sigma = Math.Sqrt(N * p * (1.0 - p));
            Assert.InRange(kept, mean - 5 * sigma, mean + 5 * sigma);
        }
    }

    [Fact]
    public void Neighbouring_decisions_are_independent()
    {
        const float p = 0.5f;
        var mask = Mask(N, p, seed: 9, counter: 4);
        int bothDropped = 0;
        for (int i = 0; i + 1 < N; i++) if (mask[i] == 0 && mask[i + 1] == 0) bothDropped++;
        double mean = (N - 1) * p * p, sigma = Math.Sqrt((N - 1) * p * p * (1 - p * p));
        Assert.InRange(bothDropped, mean - 6 * sigma, mean + 6 * sigma);

        // nor do early and late halves differ in rate
        int keptFirst = mask.Take(N / 2).Count(m => m != 0), keptSecond = mask.Skip(N / 2).Count(m => m != 0);
        Assert.InRange(Math.Abs(keptFirst - keptSecond), 0, 6 * Math.Sqrt(N * p * (1 - p)));
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.25f)]
    [InlineData(0.7f)]
    public void Mask_is_zero_or_the_inverse_keep_rate_and_output_is_input_times_mask(float p)
    {
        var rng = new Random(3);
        var x = TestData.Uniform(rng, 257);
        var y = new float[257];
        var mask = new float[257];
        Dropout.Forward(x, y, mask, p, seed: 5, counter: 6);
        float scale = 1f / (1f - p);
        Assert.All(mask, m => Assert.True(m == 0f || m == scale, $"mask value {m}"));
        Assert.Contains(0f, mask);
        Assert.Contains(scale, mask);
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] * mask[i], y[i]);

        // in place
        var xInPlace = (float[])x.Clone();
        Dropout.Forward(xInPlace, xInPlace, new float[257], p, seed: 5, counter: 6);
        Assert.Equal(y, xInPlace);
    }

    [Fact]
    public void Same_seed_and_counter_give_the_same_mask_and_others_differ()
    {
        const float p = 0.4f;
        var a = Mask(4096, p, 17, 3);
        Assert.Equal(a, Mask(4096, p, 17, 3));

        foreach (var other in new[] { Mask(4096, p, 17, 4), Mask(4096, p, 18, 3), Mask(4096, p, 17, 3 + (1UL << 20)) })
        {
            int disagree = a.Zip(other).Count(t => t.First != t.Second);
            double expected = 4096 * 2 * p * (1 - p), sigma = Math.Sqrt(4096 * 2 * p * (1 - p) * (1 - 2 * p * (1 - p)));
            Assert.InRange(disagree, expected - 6 * sigma, expected + 6 * sigma);
        }
    }

    [Fact]
    public void Element_decisions_do_not_depend_on_the_call_length()
    {
        var shortMask = Mask(33, 0.5f, 21, 8);
        var longMask = Mask(1000, 0.5f, 21, 8);
        Assert.Equal(shortMask, longMask.Take(33));
    }

    [Fact]
    public void Zero_probability_keeps_everything_unscaled()
    {
        var x = TestData.Uniform(new Random(1), 33);
        var y = new float[33];
        var mask = new float[33];
        Dropout.Forward(x, y, mask, 0f, 1, 1);
        Assert.All(mask, m => Assert.Equal(1f, m));
        Assert.Equal(x, y);
    }

    [Fact]
    public void Backward_multiplies_by_the_scaled_mask()
    {
        var rng = new Random(2);
        var mask = Mask(257, 0.3f, 2, 2);
        var dy = TestData.Uniform(rng, 257);
        var dx = new float[257];
        Dropout.Backward(dy, mask, dx);
        for (int i = 0; i < dy.Length; i++) Assert.Equal(dy[i] * mask[i], dx[i]);
        Dropout.Backward(dy, mask, dy);
        Assert.Equal(dx, dy);
    }

    [Fact]
    public void Rejects_bad_probabilities_and_short_buffers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(new float[2], new float[2], new float[2], 1f, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(new float[2], new float[2], new float[2], -0.1f, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(new float[2], new float[2], new float[2], float.NaN, 0, 0));
        Assert.Throws<ArgumentException>(() => Dropout.Forward(new float[2], new float[2], new float[1], 0.1f, 0, 0));
        Assert.Throws<ArgumentException>(() => Dropout.Backward(new float[2], new float[1], new float[2]));
    }
}
