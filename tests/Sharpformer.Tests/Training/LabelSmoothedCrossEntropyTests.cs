using Sharpformer.Tests.Kernels;
using Sharpformer.Tests.Layers;
using Sharpformer.Training;

namespace Sharpformer.Tests.Training;

/// <summary>The fused label-smoothed cross-entropy: values, gradients, pad handling.</summary>
public sealed class LabelSmoothedCrossEntropyTests
{
    private const int Pad = 0;

    private static (double Loss, double Nll, double[] Grad) Reference(float[] logits, int[] targets, int vocab, double eps)
    {
        int n = targets.Length, tokens = targets.Count(t => t != Pad);
        double loss = 0, nll = 0;
        var grad = new double[logits.Length];
        for (int i = 0; i < n; i++)
        {
            if (targets[i] == Pad) continue;
            var z = logits.Skip(i * vocab).Take(vocab).Select(v => (double)v).ToArray();
            double max = z.Max(), lse = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
            var logp = z.Select(v => v - lse).ToArray();
            // the smoothed target distribution: (1 − ε)·onehot + ε/V
            for (int c = 0; c < vocab; c++)
            {
                double q = (c == targets[i] ? 1 - eps : 0) + eps / vocab;
                loss -= q * logp[c];
                grad[i * vocab + c] = (Math.Exp(logp[c]) - q) / tokens;
            }
            nll -= logp[targets[i]];
        }
        return (loss / tokens, nll / tokens, grad);
    }

    public static TheoryData<int, float> Cases()
    {
        var data = new TheoryData<int, float>();
        foreach (int vocab in new[] { 2, 7, 33, 257 }) foreach (float eps in new[] { 0f, 0.1f, 0.5f }) data.Add(vocab, eps);
        return data;
    }

    private static (Tensor Logits, int[] Targets) MakeBatch(int vocab, int seed)
    {
        var rng = new Random(seed);
        const int n = 6;
        var logits = Tensor.FromArray(TestData.Uniform(rng, n * vocab, -4f, 4f), 2, 3, vocab);
        var targets = new int[n];
        for (int i = 0; i < n; i++) targets[i] = 1 + rng.Next(vocab - 1);
        targets[2] = targets[5] = Pad;
        return (logits, targets);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Loss_nll_and_gradient_match_the_smoothed_distribution_reference(int vocab, float eps)
    {
        var (logits, targets) = MakeBatch(vocab, vocab);
        var (loss, nll, grad) = Reference(logits.Span.ToArray(), targets, vocab, eps);
        var g = new Tensor(2, 3, vocab);
        var result = new LabelSmoothedCrossEntropy(eps, Pad).Compute(logits, targets, 6, g);
        Assert.Equal(4, result.Tokens);
        Assert.InRange(Math.Abs(result.Loss - loss), 0, 1e-6 * loss);
        Assert.InRange(Math.Abs(result.Nll - nll), 0, 1e-6 * nll);
        Precision.AssertClose(g.Span, grad, 1e-5, $"gradient V={vocab} ε={eps}");

        var noGrad = new LabelSmoothedCrossEntropy(eps, Pad).Compute(logits, targets, 6, null);
        Assert.Equal(result.Loss, noGrad.Loss, 1e-12);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void Gradient_matches_finite_differences_row_by_row(float eps)
    {
        const int vocab = 7;
        var (logits, targets) = MakeBatch(vocab, 3);
        var loss = new LabelSmoothedCrossEntropy(eps, Pad);
        var g = new Tensor(2, 3, vocab);
        loss.Compute(logits, targets, 6, g);
        // one probe per row, pad rows included (whose gradient must be zero)
        var probes = Enumerable.Range(0, 6)
            .Select(i => new GradientCheck.Probe($"row {i}", logits.Data, i * vocab, vocab, g.Span.Slice(i * vocab, vocab).ToArray())).ToList();
        var outcomes = GradientCheck.Run(probes, () => loss.Compute(logits, targets, 6, null).Loss, step: 0.03, seed: 4);
        GradientCheck.AssertAll(outcomes, 1e-4, $"loss gradient ε={eps}");
    }

    [Fact]
    public void Gradient_may_overwrite_the_logits()
    {
        var (logits, targets) = MakeBatch(33, 5);
        var separate = new Tensor(2, 3, 33);
        var loss = new LabelSmoothedCrossEntropy(0.1f, Pad);
        var a = loss.Compute(logits, targets, 6, separate);
        var b = loss.Compute(logits, targets, 6, logits);
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(separate.Span.ToArray(), logits.Span.ToArray());
    }

    [Fact]
    public void Pad_targets_are_ignored_exactly()
    {
        var (logits, targets) = MakeBatch(7, 6);
        var loss = new LabelSmoothedCrossEntropy(0.1f, Pad);
        var g1 = new Tensor(2, 3, 7);
        var r1 = loss.Compute(logits, targets, 6, g1);

        // rewrite the pad rows' logits with anything, including huge values
        var changed = logits.Clone();
        foreach (int row in new[] { 2, 5 }) TestData.Uniform(new Random(row), 7, -1e3f, 1e3f).CopyTo(changed.Span.Slice(row * 7, 7));
        var g2 = new Tensor(2, 3, 7);
        var r2 = loss.Compute(changed, targets, 6, g2);

        Assert.Equal(r1.Loss, r2.Loss);
        Assert.Equal(r1.Nll, r2.Nll);
        Assert.Equal(g1.Span.ToArray(), g2.Span.ToArray());
        foreach (int row in new[] { 2, 5 }) Assert.All(g2.Span.Slice(row * 7, 7).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Each_row_gradient_sums_to_zero_and_the_mean_is_over_tokens()
    {
        var (logits, targets) = MakeBatch(33, 8);
        var g = new Tensor(2, 3, 33);
        new LabelSmoothedCrossEntropy(0.1f, Pad).Compute(logits, targets, 6, g);
        for (int i = 0; i < 6; i++) Assert.InRange(Math.Abs(g.Span.Slice(i * 33, 33).ToArray().Sum()), 0, 1e-6);
        // the target entry of a token row is (p_t − (1 − ε) − ε/V)/tokens ≥ −(1 − ε + ε/V)/4
        Assert.InRange(g.Span[targets[0]], -(0.9 + 0.1 / 33) / 4 - 1e-7, 0);
    }

    [Fact]
    public void An_all_pad_batch_has_zero_loss_and_gradient()
    {
        var logits = Tensor.FromArray(TestData.Uniform(new Random(1), 3 * 5), 3, 5);
        var g = Tensor.FromArray(Enumerable.Repeat(float.NaN, 15).ToArray(), 3, 5);
        var r = new LabelSmoothedCrossEntropy(0.1f, Pad).Compute(logits, [Pad, Pad, Pad], 3, g);
        Assert.Equal(new LabelSmoothedCrossEntropy.Result(0, 0, 0), r);
        Assert.All(g.Span.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Large_logits_stay_finite()
    {
        var logits = Tensor.FromArray([1e4f, -1e4f, 0f, 3e4f, 3e4f, 3e4f], 2, 3);
        var g = new Tensor(2, 3);
        var r = new LabelSmoothedCrossEntropy(0.1f, Pad).Compute(logits, [1, 2], 2, g);
        Assert.True(double.IsFinite(r.Loss));
        Assert.All(g.Span.ToArray(), v => Assert.True(float.IsFinite(v)));
        // row 1 is uniform: −log p = log 3 for every class
        var (expected, _, _) = Reference(logits.Span.ToArray(), [1, 2], 3, 0.1);
        Assert.InRange(Math.Abs(r.Loss - expected), 0, 1e-6 * expected);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabelSmoothedCrossEntropy(1f, Pad));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabelSmoothedCrossEntropy(-0.1f, Pad));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabelSmoothedCrossEntropy(float.NaN, Pad));
        var logits = new Tensor(2, 4);
        var loss = new LabelSmoothedCrossEntropy(0f, Pad);
        Assert.Throws<ArgumentOutOfRangeException>(() => loss.Compute(logits, [1, 4], 2, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => loss.Compute(logits, [1, -1], 2, null));
        Assert.Throws<ArgumentException>(() => loss.Compute(logits, [1], 2, null));
        Assert.Throws<ArgumentException>(() => loss.Compute(logits, [1, 1], 3, null));
        Assert.Throws<ArgumentException>(() => loss.Compute(logits, [1, 1], 2, new Tensor(2, 3)));
    }
}
