using Sharpformer.Inspection;
using Sharpformer.Model;
using Sharpformer.Tests.Inference;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inspection;

/// <summary>
/// `explain`'s numbers are the model's: the trace's logits and every attention map equal those of the model's
/// own forward pass (the training path, <see cref="TransformerNetwork.Forward"/>) on the same ids, for post-/pre-LN,
/// ReLU/GELU, uneven depths and learned positions; shapes carry the named axes; the self-attention diagonal count
/// and the √d_k experiment agree with values worked out here.
/// </summary>
public sealed class ForwardTraceTests
{
    [Theory, MemberData(nameof(Names), MemberType = typeof(TinyModels))]
    public void Trace_equals_the_models_forward_pass(string name)
    {
        var model = Build(name, seed: 4);
        var rng = new Random(9);
        int[] source = [.. RandomIds(rng, 6, model.Config.VocabSize)[..5], Eos];
        int[] targetIn = [Bos, .. RandomIds(rng, 4, model.Config.VocabSize)];
        var trace = ForwardTrace.Run(model, source, targetIn);
        var (logits, network) = FullForward(model, [source], [targetIn]);

        Precision.AssertClose(trace.Logits!, logits.Select(x => (double)x).ToArray(), 1e-4, $"{name}: logits");
        var c = model.Config;
        Assert.Equal(c.EncoderLayers + 2 * c.DecoderLayers, trace.Attention.Count);
        foreach (var a in trace.Attention)
        {
            var weights = a.Kind switch
            {
                "encoder self" => network.Encoder.Layers[a.Layer].SelfAttention.Weights,
                "decoder self" => network.Decoder.Layers[a.Layer].SelfAttention.Weights,
                "cross" => network.Decoder.Layers[a.Layer].CrossAttention.Weights,
                _ => throw new InvalidOperationException(a.Kind),
            };
            Precision.AssertClose(a.Weights, weights.Span.ToArray().Select(x => (double)x).ToArray(), 1e-4, $"{name}: {a.Kind} layer {a.Layer}");
        }
        for (int t = 0; t < targetIn.Length; t++)
        {
            var row = logits.AsSpan(t * c.VocabSize, c.VocabSize);
            Assert.Equal(row.IndexOf(System.Numerics.Tensors.TensorPrimitives.Max(row)), trace.Chosen[t]);
        }
        var agreement = trace.CompareWithModel();
        Assert.True(agreement.MaxLogitDifference < 1e-4 && agreement.MaxWeightDifference < 1e-5, agreement.ToString());
    }

    [Fact]
    public void Every_tensor_names_its_axes_and_holds_as_many_values_as_its_shape_says()
    {
        var model = Build("post-relu", seed: 4);
        var trace = ForwardTrace.Run(model, [5, 6, 7, Eos], [Bos, 8, 9]);
        Assert.All(trace.Tensors, t => Assert.Equal(t.Axes.Aggregate(1, (n, a) => n * a.Size), t.Values.Length));
        Assert.Equal("[B=1, S=4, d_model=16]", trace.Tensors.First(t => t.Name.StartsWith("x = E")).Shape);
        Assert.Equal("[B=1, h=4, S=4, d_k=4]", trace.Tensors.First(t => t.Name.StartsWith("encoder self: Q")).Shape);
        Assert.Equal("[B=1, h=4, S_q=4, S_k=4]", trace.Tensors.First(t => t.Name.StartsWith("encoder self: weights")).Shape);
        Assert.Equal("[B=1, h=4, T=3, S=4]", trace.Tensors.First(t => t.Name.StartsWith("cross: weights")).Shape);
        Assert.Equal("[B=1, T=3, V=13]", trace.Tensors[^1].Shape);
        // the causal mask: decoder self-attention is exactly zero above the diagonal
        var self = trace.Attention.First(a => a.Kind == "decoder self");
        for (int h = 0; h < self.Heads; h++)
            for (int i = 0; i < 3; i++)
                for (int j = i + 1; j < 3; j++) Assert.Equal(0f, self.Weights[(h * 3 + i) * 3 + j]);
    }

    [Fact]
    public void Diagonal_count_on_hand_made_weights()
    {
        // Two heads over 3 queries (encoder self): head 0 peaks on the diagonal everywhere, head 1 on key 0 everywhere.
        float[] w =
        [
            .8f, .1f, .1f,   .1f, .8f, .1f,   .1f, .1f, .8f,
            .9f, .05f, .05f, .9f, .05f, .05f, .9f, .05f, .05f,
        ];
        // inputs: x_0 = (1, 0), x_1 = (0, 2), x_2 = (3, 0): x_2·x_0 = 3 < x_2·x_2 = 9; x_0·x_2 = 3 > x_0·x_0 = 1
        float[] x = [1, 0, 0, 2, 3, 0];
        var a = new TracedAttention("encoder self", 0, 2, 1, 3, 3, new float[6], new float[6], w, x, x, 2, Causal: false);
        var count = DiagonalCount.Count([a]).Single();
        Assert.Equal(3, count.Queries);
        Assert.Equal([3, 1], count.OnSelfPerHead);
        // averaged rows: (.85, .075, .075), (.5, .425, .075), (.5, .075, .425) → only query 0 peaks on itself
        Assert.Equal(1, count.OnSelfAveraged);
        Assert.Equal(2, count.OnSelfRawDot);                 // x_1 and x_2 are their own best match, x_0 is not
        Assert.Equal(1.0, count.Chance, 9);                  // 3 queries × 1/3
    }

    [Fact]
    public void Unscaled_scores_grow_with_d_k_and_saturate_the_softmax_scaled_ones_do_not()
    {
        var points = ScalingExperiment.Random([16, 1024], keys: 32, rows: 300);
        ScalingPoint P(int dk, bool scaled) => points.Single(p => p.HeadDim == dk && p.Scaled == scaled);
        foreach (int dk in new[] { 16, 1024 })
        {
            Assert.InRange(P(dk, false).ScoreVariance / dk, 0.85, 1.15);      // Var(q·k) = d_k
            Assert.InRange(P(dk, true).ScoreVariance, 0.85, 1.15);             // Var(q·k/√d_k) = 1
        }
        Assert.True(P(1024, false).MaxWeight > 0.9, P(1024, false).ToString());
        Assert.True(P(1024, false).Entropy < 0.3, P(1024, false).ToString());
        Assert.True(P(1024, false).ScoreGradient < 0.35 * P(1024, true).ScoreGradient, $"{P(1024, false)} vs {P(1024, true)}");
        Assert.True(P(1024, false).ScoreGradient < 0.5 * P(16, false).ScoreGradient, $"{P(1024, false)} vs {P(16, false)}");
        Assert.InRange(P(1024, true).Entropy / P(16, true).Entropy, 0.9, 1.1);
    }

    [Fact]
    public void Softmax_jacobian_norm_equals_finite_differences()
    {
        double[] s = [0.3, -1.2, 2.0, 0.1];
        double[] Softmax(double[] x)
        {
            var e = x.Select(Math.Exp).ToArray();
            return e.Select(v => v / e.Sum()).ToArray();
        }
        double sum = 0;
        const double step = 1e-6;
        for (int j = 0; j < s.Length; j++)
        {
            var up = (double[])s.Clone(); up[j] += step;
            var down = (double[])s.Clone(); down[j] -= step;
            var pu = Softmax(up); var pd = Softmax(down);
            for (int i = 0; i < s.Length; i++) sum += Math.Pow((pu[i] - pd[i]) / (2 * step), 2);
        }
        Assert.Equal(Math.Sqrt(sum), TraceMath.SoftmaxJacobianNorm(Softmax(s)), 6);
    }
}
