using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Tests.Kernels;

namespace Sharpformer.Tests.Layers;

/// <summary>
/// Luong (dot) and Bahdanau (additive) attention over a padded source, one row fully masked: context and
/// attention map against a naive double-precision reference, gradients of queries, memory and weights
/// against finite differences, and one decoding step (Tq = 1) against the full forward.
/// </summary>
public sealed class RnnAttentionTests
{
    private const int Batch = 3, Tq = 4, Ts = 6, Dq = 5, Ds = 6, A = 4;
    private static readonly int[] SourceLengths = [6, 2, 0];

    public static TheoryData<string> Kinds() => new(["luong", "bahdanau"]);

    /// <summary>Either attention behind one face; Luong's queries share the memory's width.</summary>
    private sealed class Subject
    {
        public LuongAttention? Luong;
        public BahdanauAttention? Bahdanau;
        public int QueryDim => Luong != null ? Ds : Dq;
        public Tensor Forward(Tensor q, Tensor s, AttentionMask m) => Luong?.Forward(q, s, m) ?? Bahdanau!.Forward(q, s, m);
        public (Tensor, Tensor) Backward(Tensor dc) => Luong?.Backward(dc) ?? Bahdanau!.Backward(dc);
        public Tensor Weights => Luong?.Weights ?? Bahdanau!.Weights;
        public IEnumerable<Parameter> Parameters() => Bahdanau?.Parameters() ?? [];
    }

    private static Subject Make(string kind, int seed)
    {
        if (kind == "luong") return new Subject { Luong = new LuongAttention(Ds) };
        var attention = new BahdanauAttention(ParameterStore.Creating(), "attn", Dq, Ds, A);
        var rng = new Random(seed);
        foreach (var p in attention.Parameters()) TestData.Uniform(rng, p.Length, -0.8f, 0.8f).CopyTo(p.Value.Span);
        return new Subject { Bahdanau = attention };
    }

    private static Tensor RandomTensor(Random rng, params int[] shape)
    {
        var t = new Tensor(shape);
        TestData.Uniform(rng, t.Length).CopyTo(t.Span);
        return t;
    }

    /// <summary>
    /// The reference, pair by pair in double: score_ij = Σ_c h_ic s_jc (Luong) or Σ_a v_a tanh(Σ_c W_q[a,c] h_ic +
    /// Σ_c W_k[a,c] s_jc) (Bahdanau) for the source positions j &lt; length[b]; a_ij = e^score / Σ e^score over those
    /// (all zero when there are none); context_i = Σ_j a_ij s_j.
    /// </summary>
    private static (double[] Context, double[] Weights) Reference(Subject subject, Tensor q, Tensor s, int[] lengths)
    {
        int tq = q.Dim(1), dq = q.Dim(2);
        var context = new double[Batch * tq * Ds];
        var weights = new double[Batch * tq * Ts];
        for (int b = 0; b < Batch; b++)
            for (int i = 0; i < tq; i++)
            {
                var scores = new double[lengths[b]];
                for (int j = 0; j < lengths[b]; j++)
                {
                    if (subject.Luong != null)
                        for (int c = 0; c < Ds; c++) scores[j] += q.Span[(b * tq + i) * dq + c] * (double)s.Span[(b * Ts + j) * Ds + c];
                    else
                    {
                        var att = subject.Bahdanau!;
                        for (int a = 0; a < A; a++)
                        {
                            double pre = 0;
                            for (int c = 0; c < Dq; c++) pre += att.QueryWeight.Value.Span[a * Dq + c] * (double)q.Span[(b * tq + i) * dq + c];
                            for (int c = 0; c < Ds; c++) pre += att.KeyWeight.Value.Span[a * Ds + c] * (double)s.Span[(b * Ts + j) * Ds + c];
                            scores[j] += att.V.Value.Span[a] * Math.Tanh(pre);
                        }
                    }
                }
                double max = scores.DefaultIfEmpty(0).Max(), sum = scores.Sum(v => Math.Exp(v - max));
                for (int j = 0; j < lengths[b]; j++)
                {
                    double p = Math.Exp(scores[j] - max) / sum;
                    weights[(b * tq + i) * Ts + j] = p;
                    for (int c = 0; c < Ds; c++) context[(b * tq + i) * Ds + c] += p * s.Span[(b * Ts + j) * Ds + c];
                }
            }
        return (context, weights);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Context_and_attention_map_match_the_reference(string kind)
    {
        var rng = new Random(1);
        var subject = Make(kind, 2);
        var q = RandomTensor(rng, Batch, Tq, subject.QueryDim);
        var s = RandomTensor(rng, Batch, Ts, Ds);
        var mask = new AttentionMask().SetFromLengths(SourceLengths, Ts, causal: false);
        var context = subject.Forward(q, s, mask);
        var (expected, weights) = Reference(subject, q, s, SourceLengths);
        Assert.Equal([Batch, Tq, Ds], context.Shape);
        Precision.AssertClose(context.Span, expected, 1e-5, $"{kind} context");
        Precision.AssertClose(subject.Weights.Span, weights, 1e-5, $"{kind} attention map");
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Gradients_match_finite_differences(string kind)
    {
        var rng = new Random(3);
        var subject = Make(kind, 4);
        var q = RandomTensor(rng, Batch, Tq, subject.QueryDim);
        var s = RandomTensor(rng, Batch, Ts, Ds);
        var mask = new AttentionMask().SetFromLengths(SourceLengths, Ts, causal: false);
        var r = RandomTensor(rng, Batch, Tq, Ds);
        double Loss()
        {
            var c = subject.Forward(q, s, mask);
            double sum = 0;
            for (int i = 0; i < c.Length; i++) sum += (double)c.Span[i] * r.Span[i];
            return sum;
        }

        Loss();
        var (dq, ds) = subject.Backward(r);
        // padded source positions get exactly no gradient, nor does a query with nothing to attend to
        for (int b = 0; b < Batch; b++)
            for (int j = SourceLengths[b]; j < Ts; j++)
                Assert.All(ds.Span.Slice((b * Ts + j) * Ds, Ds).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(dq.Span.Slice(2 * Tq * subject.QueryDim, Tq * subject.QueryDim).ToArray(), v => Assert.Equal(0f, v));
        var probes = subject.Parameters().Select(GradientCheck.Probe.Of)
            .Append(GradientCheck.Probe.Of("queries", q, dq.Span)).Append(GradientCheck.Probe.Of("memory", s, ds.Span)).ToList();
        GradientCheck.AssertAll(GradientCheck.Run(probes, Loss, step: 0.03, seed: 5), 1e-3, $"{kind} attention");
    }

    [Theory, MemberData(nameof(Kinds))]
    public void One_query_at_a_time_gives_the_same_rows(string kind)
    {
        var rng = new Random(6);
        var subject = Make(kind, 7);
        var q = RandomTensor(rng, Batch, Tq, subject.QueryDim);
        var s = RandomTensor(rng, Batch, Ts, Ds);
        var mask = new AttentionMask().SetFromLengths(SourceLengths, Ts, causal: false);
        var full = subject.Forward(q, s, mask).Span.ToArray();
        var fullWeights = subject.Weights.Span.ToArray();
        int dq = subject.QueryDim;
        for (int i = 0; i < Tq; i++)
        {
            var step = new Tensor(Batch, 1, dq);
            for (int b = 0; b < Batch; b++) q.Span.Slice((b * Tq + i) * dq, dq).CopyTo(step.Span.Slice(b * dq));
            var context = subject.Forward(step, s, mask);
            for (int b = 0; b < Batch; b++)
            {
                Precision.AssertClose(context.Span.Slice(b * Ds, Ds), TestData.ToDoubles(full.AsSpan((b * Tq + i) * Ds, Ds)), 1e-6, $"{kind} step {i} row {b}");
                Precision.AssertClose(subject.Weights.Span.Slice(b * Ts, Ts), TestData.ToDoubles(fullWeights.AsSpan((b * Tq + i) * Ts, Ts)), 1e-6, $"{kind} step {i} weights");
            }
        }
    }

    [Fact]
    public void Bahdanau_parameters_are_named_under_the_prefix_and_shapes_are_checked()
    {
        var attention = new BahdanauAttention(ParameterStore.Creating(), "decoder.attention", Dq, Ds, A);
        Assert.Equal(["decoder.attention.query.weight [4, 5]", "decoder.attention.key.weight [4, 6]", "decoder.attention.v.weight [1, 4]"],
            attention.Parameters().Select(p => p.ToString()));
        var mask = new AttentionMask().SetFromLengths(SourceLengths, Ts, causal: false);
        Assert.Throws<ArgumentException>(() => attention.Forward(new Tensor(Batch, 1, Ds), new Tensor(Batch, Ts, Ds), mask));
        Assert.Throws<ArgumentException>(() => attention.Forward(new Tensor(Batch, 1, Dq), new Tensor(Batch, Ts + 1, Ds), mask));
        Assert.Throws<ArgumentException>(() => new LuongAttention(Ds).Forward(new Tensor(Batch, 1, Ds), new Tensor(Batch - 1, Ts, Ds), mask));
    }
}
