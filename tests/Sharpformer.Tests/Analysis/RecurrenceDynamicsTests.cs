using Sharpformer.Analysis;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Rnn;

namespace Sharpformer.Tests.Analysis;

/// <summary>
/// The tanh analysis against a reference written out here in double precision from the model's weights:
/// h_s = tanh(W_ih x + b_ih + W_hh h_{s−1} + b_hh), x = E[id]·√E. The updates ‖h_s − h_{s−1}‖ and norms ‖h_s‖ are the
/// reference's; the gradient norms ‖∂(Σ h_n)/∂h_s‖ are finite differences of Σ h_n with the recurrence restarted from a
/// perturbed h_s, for the forward direction of a plain rnn and the reverse direction of a bidirectional encoder.
/// </summary>
public sealed class RecurrenceDynamicsTests
{
    private static readonly int[][] Sources = [[3, 7, 4, 9, 11, 5, 8, 6, TinyRnn.Eos], [12, 10, TinyRnn.Eos]];

    [Theory]
    [InlineData(RnnConfig.PlainName, false)]
    [InlineData(RnnConfig.AdditiveName, true)]
    public void Updates_norms_and_gradients_match_a_double_precision_reference(string architecture, bool reverse)
    {
        var model = TinyRnn.Build(TinyRnn.Config(architecture, RecurrentCellKind.Rnn, layers: 1), seed: 7);
        // larger recurrent weights, so the gradient does not vanish within a few steps and every distance is checked
        string suffix = reverse ? "_l0_reverse" : "_l0";
        var whh = model.ParameterByName["encoder.rnn.weight_hh" + suffix].Value.Span;
        for (int i = 0; i < whh.Length; i++) whh[i] *= 2.5f;
        var traces = RecurrenceDynamics.Trace(model, Sources, layer: 0, reverse: reverse);

        var reference = new Reference(model, suffix);
        for (int b = 0; b < Sources.Length; b++)
        {
            var x = reference.Inputs(Sources[b], reverse);
            var states = reference.Run(new double[reference.H], x, 0);
            int n = x.Length;
            Assert.Equal(n, traces[b].Updates.Length);
            for (int s = 1; s <= n; s++)
            {
                AssertClose(traces[b].Updates[s - 1], Norm(states[s].Zip(states[s - 1], (a, c) => a - c).ToArray()), 1e-4, $"update {s}");
                AssertClose(traces[b].StateNorms[s - 1], Norm(states[s]), 1e-4, $"‖h_{s}‖");
            }
            for (int s = 0; s <= n; s++)
            {
                // ∂(Σ_i h_n[i])/∂h_s[k] by central differences, the recurrence run again from h_s ± ε·e_k
                var g = new double[reference.H];
                for (int k = 0; k < reference.H; k++)
                {
                    double F(double eps)
                    {
                        var start = (double[])states[s].Clone();
                        start[k] += eps;
                        return reference.Run(start, x, s)[^1].Sum();
                    }
                    g[k] = (F(1e-6) - F(-1e-6)) / 2e-6;
                }
                AssertClose(traces[b].Gradients[s], Norm(g), 1e-3, $"sentence {b} ‖∂Σh_n/∂h_{s}‖");
                Assert.Equal(traces[b].Gradients[s], traces[b].GradientsByDistance[n - s]);
            }
        }
    }

    [Fact]
    public void Step_statistics_are_taken_over_the_sentences_long_enough()
    {
        var stats = StepStatistics.Columns([[1f, 4f, 9f], [3f, 2f], [2f]], minCount: 2);
        Assert.Equal([0, 1], stats.Select(s => s.Index));
        Assert.Equal((3, 2.0, 1.5, 2.5, 2.0), (stats[0].Count, stats[0].Median, stats[0].Lower, stats[0].Upper, stats[0].Mean));
        Assert.Equal(Math.Sqrt(8), stats[1].GeometricMean, 12);
    }

    private static void AssertClose(double actual, double expected, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected) + 1e-12, $"{what}: {actual:G8} vs reference {expected:G8}");

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));

    /// <summary>The encoder's first layer (one direction) as plain loops in double.</summary>
    private sealed class Reference(RnnSeq2Seq model, string suffix)
    {
        private readonly float[] _embed = model.ParameterByName["embed.weight"].Value.Span.ToArray();
        private readonly float[] _wih = model.ParameterByName["encoder.rnn.weight_ih" + suffix].Value.Span.ToArray();
        private readonly float[] _whh = model.ParameterByName["encoder.rnn.weight_hh" + suffix].Value.Span.ToArray();
        private readonly float[] _bih = model.ParameterByName["encoder.rnn.bias_ih" + suffix].Value.Span.ToArray();
        private readonly float[] _bhh = model.ParameterByName["encoder.rnn.bias_hh" + suffix].Value.Span.ToArray();
        private readonly int _e = model.Config.EmbeddingSize;

        public int H { get; } = model.Config.HiddenSize;

        /// <summary>x_t = E[id]·√E in walking order (reversed for the reverse direction).</summary>
        public double[][] Inputs(int[] ids, bool reverse) =>
            (reverse ? ids.Reverse() : ids).Select(id => Enumerable.Range(0, _e).Select(i => _embed[id * _e + i] * Math.Sqrt(_e)).ToArray()).ToArray();

        /// <summary>States h_from … h_n, starting from <paramref name="start"/> = h_from (entries before it are left null).</summary>
        public double[][] Run(double[] start, double[][] x, int from)
        {
            var states = new double[x.Length + 1][];
            states[from] = start;
            for (int s = from; s < x.Length; s++)
            {
                var next = new double[H];
                for (int r = 0; r < H; r++)
                {
                    double a = _bih[r] + _bhh[r];
                    for (int i = 0; i < _e; i++) a += _wih[r * _e + i] * x[s][i];
                    for (int j = 0; j < H; j++) a += _whh[r * H + j] * states[s][j];
                    next[r] = Math.Tanh(a);
                }
                states[s + 1] = next;
            }
            return states;
        }
    }
}
