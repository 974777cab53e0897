using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

/// <summary>σ, tanh and their backward passes (from the outputs) against double-precision formulas.</summary>
public sealed class GateActivationsTests
{
    // the odd lengths plus one past the backward's 256-float chunk
    public static TheoryData<int> Lengths() => new(TestData.OddLengths.Append(600));

    [Theory, MemberData(nameof(Lengths))]
    public void Sigmoid_and_tanh_match_the_formulas_in_place_or_not(int n)
    {
        var x = TestData.Uniform(new Random(n), n, -8f, 8f);
        var y = new float[n];
        GateActivations.Sigmoid(x, y);
        Precision.AssertClose(y, x.Select(v => 1 / (1 + Math.Exp(-v))).ToArray(), 1e-6, "sigmoid");
        GateActivations.Tanh(x, y);
        Precision.AssertClose(y, x.Select(v => Math.Tanh(v)).ToArray(), 1e-6, "tanh");
        GateActivations.Tanh(x, x);
        Assert.Equal(y, x);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Backward_passes_use_the_output_slopes(int n)
    {
        var rng = new Random(20 + n);
        var s = TestData.Uniform(rng, n, 0f, 1f);       // σ outputs
        var t = TestData.Uniform(rng, n, -1f, 1f);      // tanh outputs
        var dy = TestData.Uniform(rng, n);
        var dx = Enumerable.Repeat(float.NaN, n).ToArray();
        GateActivations.SigmoidBackward(s, dy, dx);
        Precision.AssertClose(dx, Enumerable.Range(0, n).Select(i => dy[i] * (double)s[i] * (1 - s[i])).ToArray(), 1e-6, "sigmoid backward");
        GateActivations.TanhBackward(t, dy, dx);
        var expected = Enumerable.Range(0, n).Select(i => dy[i] * (1 - (double)t[i] * t[i])).ToArray();
        Precision.AssertClose(dx, expected, 1e-6, "tanh backward");
        GateActivations.TanhBackward(t, dy, dy);                 // in place over dy
        Assert.Equal(dx, dy);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => GateActivations.Sigmoid(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => GateActivations.TanhBackward(new float[4], new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => GateActivations.SigmoidBackward(new float[4], new float[4], new float[3]));
    }
}
