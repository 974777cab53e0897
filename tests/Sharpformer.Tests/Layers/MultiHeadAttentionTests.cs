using Sharpformer.Layers;
using Sharpformer.Tests.Kernels;

namespace Sharpformer.Tests.Layers;

/// <summary>
/// One multi-head attention block with key-padding and causal masks: forward against a naive
/// double-precision reference, gradients of weights and inputs against finite differences.
/// </summary>
public sealed class MultiHeadAttentionTests
{
    private const int D = 8, Heads = 2, Batch = 2;

    private static MultiHeadAttention Make(float attentionDropout, int seed)
    {
        var mha = new MultiHeadAttention(ParameterStore.Creating(), "attn", D, Heads, new DropoutLayer(attentionDropout, siteId: 3));
        var rng = new Random(seed);
        foreach (var p in mha.Parameters()) TestData.Uniform(rng, p.Length, -0.5f, 0.5f).CopyTo(p.Value.Span);
        return mha;
    }

    private static Tensor RandomTensor(Random rng, params int[] shape)
    {
        var t = new Tensor(shape);
        TestData.Uniform(rng, t.Length).CopyTo(t.Span);
        return t;
    }

    /// <summary>softmax((x_q W_Q + b_Q)(x_k W_K + b_K)ᵀ/√d_k + mask)(x_k W_V + b_V) per head, then W_O, in double.</summary>
    private static (double[] Output, double[] Weights) Reference(MultiHeadAttention mha, Tensor xq, Tensor xkv, AttentionMask mask)
    {
        int tq = xq.Dim(1), tk = xkv.Dim(1), dk = D / Heads;
        var w = mha.InProjWeight.Value.Span.ToArray();
        var b = mha.InProjBias.Value.Span.ToArray();
        var wo = mha.OutProj.Weight.Value.Span.ToArray();
        var bo = mha.OutProj.Bias!.Value.Span.ToArray();
        double Project(Tensor x, int batch, int t, int block, int c)
        {
            int row = block * D + c;
            double s = b[row];
            for (int i = 0; i < D; i++) s += w[row * D + i] * (double)x.Span[(batch * x.Dim(1) + t) * D + i];
            return s;
        }
        var output = new double[Batch * tq * D];
        var weights = new double[Batch * Heads * tq * tk];
        for (int bi = 0; bi < Batch; bi++)
        {
            var context = new double[tq, D];
            for (int h = 0; h < Heads; h++)
                for (int i = 0; i < tq; i++)
                {
                    var scores = new double[tk];
                    var allowed = new bool[tk];
                    for (int j = 0; j < tk; j++)
                    {
                        allowed[j] = !(mask.HasPadding && mask.KeyPadding[bi * tk + j]) && !(mask.Causal && j > i + mask.CausalOffset);
                        for (int c = 0; c < dk; c++) scores[j] += Project(xq, bi, i, 0, h * dk + c) * Project(xkv, bi, j, 1, h * dk + c);
                        scores[j] /= Math.Sqrt(dk);
                    }
                    double max = Enumerable.Range(0, tk).Where(j => allowed[j]).Select(j => scores[j]).DefaultIfEmpty(double.NaN).Max();
                    double sum = Enumerable.Range(0, tk).Where(j => allowed[j]).Sum(j => Math.Exp(scores[j] - max));
                    for (int j = 0; j < tk; j++)
                    {
                        double p = allowed[j] ? Math.Exp(scores[j] - max) / sum : 0;     // no allowed key: a zero row
                        weights[((bi * Heads + h) * tq + i) * tk + j] = p;
                        for (int c = 0; c < dk; c++) context[i, h * dk + c] += p * Project(xkv, bi, j, 2, h * dk + c);
                    }
                }
            for (int i = 0; i < tq; i++)
                for (int o = 0; o < D; o++)
                {
                    double s = bo[o];
                    for (int c = 0; c < D; c++) s += wo[o * D + c] * context[i, c];
                    output[(bi * tq + i) * D + o] = s;
                }
        }
        return (output, weights);
    }

    [Fact]
    public void Self_attention_with_causal_and_padding_masks_matches_the_reference()
    {
        var rng = new Random(1);
        var mha = Make(0f, 2);
        var x = RandomTensor(rng, Batch, 5, D);
        // row 0 fully valid; row 1 has pads at 0 and 3: query 0 of row 1 sees nothing (a zero attention row)
        var mask = new AttentionMask().SetFromIds([5, 6, 7, 8, 9, 0, 6, 7, 0, 9], Batch, 5, padId: 0, causal: true);
        var y = mha.ForwardSelf(x, mask, ForwardContext.Eval);
        var (expected, weights) = Reference(mha, x, x, mask);
        Precision.AssertClose(y.Span, expected, 1e-5, "self-attention output");
        Precision.AssertClose(mha.Weights.Span, weights, 1e-5, "attention weights");
    }

    [Fact]
    public void Cross_attention_with_padding_matches_the_reference()
    {
        var rng = new Random(3);
        var mha = Make(0f, 4);
        var x = RandomTensor(rng, Batch, 3, D);
        var memory = RandomTensor(rng, Batch, 6, D);
        var mask = new AttentionMask().SetFromLengths([6, 2], 6, causal: false);
        var y = mha.ForwardCross(x, memory, mask, ForwardContext.Eval);
        var (expected, weights) = Reference(mha, x, memory, mask);
        Precision.AssertClose(y.Span, expected, 1e-5, "cross-attention output");
        Precision.AssertClose(mha.Weights.Span, weights, 1e-5, "attention weights");
    }

    [Fact]
    public void Causal_offset_lets_late_queries_see_earlier_keys()
    {
        // two queries standing at positions 3 and 4 of five keys (an incremental decoding step)
        var rng = new Random(5);
        var mha = Make(0f, 6);
        var x = RandomTensor(rng, Batch, 2, D);
        var memory = RandomTensor(rng, Batch, 5, D);
        var mask = new AttentionMask().SetFromLengths([5, 4], 5, causal: true, causalOffset: 3);
        var y = mha.ForwardCross(x, memory, mask, ForwardContext.Eval);
        var (expected, weights) = Reference(mha, x, memory, mask);
        Precision.AssertClose(y.Span, expected, 1e-5, "offset causal output");
        Precision.AssertClose(mha.Weights.Span, weights, 1e-5, "offset causal weights");
    }

    public static TheoryData<float> DropoutRates() => new([0f, 0.3f]);

    [Theory, MemberData(nameof(DropoutRates))]
    public void Self_attention_gradients_match_finite_differences(float dropout)
    {
        var rng = new Random(7);
        var mha = Make(dropout, 8);
        var x = RandomTensor(rng, Batch, 5, D);
        var mask = new AttentionMask().SetFromIds([5, 6, 7, 8, 0, 4, 6, 0, 0, 9], Batch, 5, padId: 0, causal: true);
        var ctx = new ForwardContext { Training = dropout > 0, Seed = 11, Step = 2 };
        var weight = TestData.Uniform(rng, Batch * 5 * D);
        double Loss() => Dot(mha.ForwardSelf(x, mask, ctx), weight);

        Loss();
        var dOut = Tensor.FromArray((float[])weight.Clone(), Batch, 5, D);
        var dx = mha.BackwardSelf(dOut);
        var probes = mha.Parameters().Select(GradientCheck.Probe.Of).Append(GradientCheck.Probe.Of("x", x, dx.Span)).ToList();
        GradientCheck.AssertAll(GradientCheck.Run(probes, Loss, step: 0.03, seed: 1), 1e-3, $"self-attention, dropout {dropout}");
    }

    [Theory, MemberData(nameof(DropoutRates))]
    public void Cross_attention_gradients_match_finite_differences(float dropout)
    {
        var rng = new Random(9);
        var mha = Make(dropout, 10);
        var x = RandomTensor(rng, Batch, 4, D);
        var memory = RandomTensor(rng, Batch, 6, D);
        var mask = new AttentionMask().SetFromLengths([3, 6], 6, causal: false);
        var ctx = new ForwardContext { Training = dropout > 0, Seed = 13, Step = 1 };
        var weight = TestData.Uniform(rng, Batch * 4 * D);
        double Loss() => Dot(mha.ForwardCross(x, memory, mask, ctx), weight);

        Loss();
        var (dx, dMemory) = mha.BackwardCross(Tensor.FromArray((float[])weight.Clone(), Batch, 4, D));
        // padded memory rows must get exactly no gradient
        for (int j = 3; j < 6; j++) Assert.All(dMemory.Span.Slice(j * D, D).ToArray(), v => Assert.Equal(0f, v));
        var probes = mha.Parameters().Select(GradientCheck.Probe.Of)
            .Append(GradientCheck.Probe.Of("x", x, dx.Span)).Append(GradientCheck.Probe.Of("memory", memory, dMemory.Span)).ToList();
        GradientCheck.AssertAll(GradientCheck.Run(probes, Loss, step: 0.03, seed: 2), 1e-3, $"cross-attention, dropout {dropout}");
    }

    [Fact]
    public void Attention_dropout_is_live_only_in_training()
    {
        var rng = new Random(15);
        var mha = Make(0.3f, 16);
        var x = RandomTensor(rng, Batch, 5, D);
        var mask = new AttentionMask().SetCausalOnly(Batch, 5);
        var eval = mha.ForwardSelf(x, mask, ForwardContext.Eval).Span.ToArray();
        var (expected, _) = Reference(mha, x, x, mask);
        Precision.AssertClose(eval, expected, 1e-5, "eval output");
        var train = mha.ForwardSelf(x, mask, new ForwardContext { Training = true, Seed = 1, Step = 1 }).Span.ToArray();
        Assert.NotEqual(eval, train);
        var again = mha.ForwardSelf(x, mask, new ForwardContext { Training = true, Seed = 1, Step = 1 }).Span.ToArray();
        Assert.Equal(train, again);
    }

    private static double Dot(Tensor y, float[] w)
    {
        double s = 0;
        var v = y.Span;
        for (int i = 0; i < v.Length; i++) s += (double)v[i] * w[i];
        return s;
    }
}
