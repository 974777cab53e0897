using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Tests.Kernels;

namespace Sharpformer.Tests.Layers;

/// <summary>
/// Recurrent stacks of every cell on ragged batches with unsorted lengths (one row empty): forward against
/// a naive double-precision reference, every gradient (weights, x, h0, c0) against finite differences,
/// and the single-step API against the full-sequence forward.
/// </summary>
public sealed class RecurrentStackTests
{
    private const int Input = 3, Hidden = 4, Batch = 3, Time = 5;
    private static readonly int[] Ragged = [4, 5, 0];

    public static TheoryData<RecurrentCellKind> Cells() => new(Enum.GetValues<RecurrentCellKind>());

    private static RecurrentStack Make(RecurrentCellKind cell, int layers, bool bidirectional, int seed, float dropout = 0f)
    {
        var stack = new RecurrentStack(ParameterStore.Creating(), "enc.rnn", cell, Input, Hidden, layers, bidirectional, dropout, new DropoutLayer.SiteCounter());
        var rng = new Random(seed);
        foreach (var p in stack.Parameters()) TestData.Uniform(rng, p.Length, -0.6f, 0.6f).CopyTo(p.Value.Span);
        return stack;
    }

    private static Tensor RandomTensor(Random rng, params int[] shape)
    {
        var t = new Tensor(shape);
        TestData.Uniform(rng, t.Length).CopyTo(t.Span);
        return t;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>
    /// The reference: every row walked alone over its real steps only (reverse: from lengths[b] − 1 down to 0),
    /// which is what a packed sequence means; each step writes out the README's equations with plain loops in
    /// double; outputs at padded steps stay zero; h_n, c_n are the states after the last step walked.
    /// </summary>
    private static (double[] Output, double[] HN, double[] CN) Reference(RecurrentStack stack, Tensor x, int[] lengths, Tensor? h0, Tensor? c0)
    {
        int b0 = x.Dim(0), time = x.Dim(1), hid = stack.HiddenSize, dirs = stack.Directions;
        var input = TestData.ToDoubles(x.Span);
        int width = x.Dim(2);
        var hN = new double[stack.Layers.Count * b0 * hid];
        var cN = new double[hN.Length];
        double[] output = [];
        for (int l = 0; l < stack.LayerCount; l++)
        {
            output = new double[b0 * time * dirs * hid];
            for (int d = 0; d < dirs; d++)
            {
                int k = l * dirs + d;
                var layer = stack.Layers[k];
                float[] wi = layer.WeightIh.Value.Span.ToArray(), wh = layer.WeightHh.Value.Span.ToArray();
                float[] bi = layer.BiasIh.Value.Span.ToArray(), bh = layer.BiasHh.Value.Span.ToArray();
                int gates = wi.Length / (hid * width);
                for (int b = 0; b < b0; b++)
                {
                    var h = new double[hid];
                    var c = new double[hid];
                    for (int j = 0; j < hid; j++)
                    {
                        h[j] = h0 == null ? 0 : h0.Span[(k * b0 + b) * hid + j];
                        c[j] = c0 == null ? 0 : c0.Span[(k * b0 + b) * hid + j];
                    }
                    for (int step = 0; step < lengths[b]; step++)
                    {
                        int t = layer.Reverse ? lengths[b] - 1 - step : step;
                        var ax = new double[gates * hid];
                        var ah = new double[gates * hid];
                        for (int g = 0; g < gates * hid; g++)
                        {
                            ax[g] = bi[g];
                            for (int i = 0; i < width; i++) ax[g] += wi[g * width + i] * input[(b * time + t) * width + i];
                            ah[g] = bh[g];
                            for (int j = 0; j < hid; j++) ah[g] += wh[g * hid + j] * h[j];
                        }
                        var hNew = new double[hid];
                        for (int j = 0; j < hid; j++)
                        {
                            switch (stack.Cell)
                            {
                                case RecurrentCellKind.Rnn:
                                    hNew[j] = Math.Tanh(ax[j] + ah[j]);
                                    break;
                                case RecurrentCellKind.Gru:
                                    double r = Sigmoid(ax[j] + ah[j]), z = Sigmoid(ax[hid + j] + ah[hid + j]);
                                    double n = Math.Tanh(ax[2 * hid + j] + r * ah[2 * hid + j]);
                                    hNew[j] = (1 - z) * n + z * h[j];
                                    break;
                                default:
                                    double ig = Sigmoid(ax[j] + ah[j]), fg = Sigmoid(ax[hid + j] + ah[hid + j]);
                                    double gg = Math.Tanh(ax[2 * hid + j] + ah[2 * hid + j]), og = Sigmoid(ax[3 * hid + j] + ah[3 * hid + j]);
                                    c[j] = fg * c[j] + ig * gg;
                                    hNew[j] = og * Math.Tanh(c[j]);
                                    break;
                            }
                        }
                        h = hNew;
                        for (int j = 0; j < hid; j++) output[(b * time + t) * dirs * hid + d * hid + j] = h[j];
                    }
                    h.CopyTo(hN, (k * b0 + b) * hid);
                    c.CopyTo(cN, (k * b0 + b) * hid);
                }
            }
            (input, width) = (output, dirs * hid);
        }
        return (output, hN, stack.HasCellState ? cN : []);
    }

    [Theory, MemberData(nameof(Cells))]
    public void Two_bidirectional_layers_on_a_ragged_batch_match_the_reference(RecurrentCellKind cell)
    {
        var rng = new Random(1);
        var stack = Make(cell, layers: 2, bidirectional: true, seed: 2);
        var x = RandomTensor(rng, Batch, Time, Input);
        var h0 = RandomTensor(rng, 4, Batch, Hidden);
        var c0 = cell == RecurrentCellKind.Lstm ? RandomTensor(rng, 4, Batch, Hidden) : null;
        var y = stack.Forward(x, Ragged, h0, c0);
        var (output, hN, cN) = Reference(stack, x, Ragged, h0, c0);
        Assert.Equal([Batch, Time, 2 * Hidden], y.Shape);
        Precision.AssertClose(y.Span, output, 1e-5, $"{cell} output");
        Precision.AssertClose(stack.FinalHidden.Span, hN, 1e-5, $"{cell} h_n");
        if (c0 != null) Precision.AssertClose(stack.FinalCell.Span, cN, 1e-5, $"{cell} c_n");
        // the empty row keeps its initial state in every layer and direction
        for (int k = 0; k < 4; k++)
            Assert.Equal(h0.Span.Slice((k * Batch + 2) * Hidden, Hidden).ToArray(), stack.FinalHidden.Span.Slice((k * Batch + 2) * Hidden, Hidden).ToArray());

        // a smaller batch through the same buffers, without initial states, still matches
        var x2 = RandomTensor(rng, 2, 3, Input);
        stack.Forward(x2, [3, 2]);
        Precision.AssertClose(stack.Output.Span, Reference(stack, x2, [3, 2], null, null).Output, 1e-5, $"{cell} reused output");
    }

    public static TheoryData<string> GradientCases() => new(GradCases.Keys);

    private static readonly Dictionary<string, (RecurrentCellKind Cell, int Layers, bool Bidirectional, bool States, float Dropout)> GradCases = new()
    {
        ["rnn, 2 layers, bidirectional, h0"] = (RecurrentCellKind.Rnn, 2, true, true, 0f),
        ["gru, 2 layers, bidirectional, h0"] = (RecurrentCellKind.Gru, 2, true, true, 0f),
        ["lstm, 2 layers, bidirectional, h0 and c0"] = (RecurrentCellKind.Lstm, 2, true, true, 0f),
        ["gru, 1 layer, forward only, zero states"] = (RecurrentCellKind.Gru, 1, false, false, 0f),
        ["lstm, 3 layers, forward only, dropout between layers"] = (RecurrentCellKind.Lstm, 3, false, true, 0.3f),
    };

    [Theory, MemberData(nameof(GradientCases))]
    public void Every_gradient_matches_finite_differences(string name)
    {
        var (cell, layers, bidirectional, states, dropout) = GradCases[name];
        var rng = new Random(3);
        var stack = Make(cell, layers, bidirectional, seed: 4, dropout);
        int stateRows = layers * stack.Directions;
        bool lstm = cell == RecurrentCellKind.Lstm;
        var x = RandomTensor(rng, Batch, Time, Input);
        var h0 = states ? RandomTensor(rng, stateRows, Batch, Hidden) : null;
        var c0 = states && lstm ? RandomTensor(rng, stateRows, Batch, Hidden) : null;
        var rOut = RandomTensor(rng, Batch, Time, stack.OutputSize);
        var rH = RandomTensor(rng, stateRows, Batch, Hidden);
        var rC = lstm ? RandomTensor(rng, stateRows, Batch, Hidden) : null;
        var ctx = new ForwardContext { Training = dropout > 0, Seed = 7, Step = 1 };
        // loss = Σ output ⊙ R_out + Σ h_n ⊙ R_h (+ Σ c_n ⊙ R_c), as in the golden files
        double Loss()
        {
            stack.Forward(x, Ragged, h0, c0, ctx);
            double s = Dot(stack.Output, rOut) + Dot(stack.FinalHidden, rH);
            return rC == null ? s : s + Dot(stack.FinalCell, rC);
        }

        Loss();
        var dx = stack.Backward(rOut, rH, rC);
        // nothing flows into the input at padded steps
        for (int b = 0; b < Batch; b++)
            for (int t = Ragged[b]; t < Time; t++)
                Assert.All(dx.Span.Slice((b * Time + t) * Input, Input).ToArray(), v => Assert.Equal(0f, v));
        var probes = stack.Parameters().Select(GradientCheck.Probe.Of).Append(GradientCheck.Probe.Of("x", x, dx.Span)).ToList();
        if (h0 != null) probes.Add(GradientCheck.Probe.Of("h0", h0, stack.InitialHiddenGrad.Span));
        if (c0 != null) probes.Add(GradientCheck.Probe.Of("c0", c0, stack.InitialCellGrad.Span));
        GradientCheck.AssertAll(GradientCheck.Run(probes, Loss, step: 0.03, seed: 5), 1e-3, name);
    }

    [Fact]
    public void Dropout_between_layers_is_live_only_in_training()
    {
        var rng = new Random(6);
        var stack = Make(RecurrentCellKind.Gru, layers: 2, bidirectional: false, seed: 8, dropout: 0.5f);
        var x = RandomTensor(rng, Batch, Time, Input);
        var eval = stack.Forward(x, Ragged).Span.ToArray();
        Precision.AssertClose(eval, Reference(stack, x, Ragged, null, null).Output, 1e-5, "evaluation output");
        var train = stack.Forward(x, Ragged, ctx: new ForwardContext { Training = true, Seed = 1, Step = 1 }).Span.ToArray();
        Assert.NotEqual(eval, train);
    }

    [Theory, MemberData(nameof(Cells))]
    public void Stepping_a_stack_in_place_reproduces_the_forward(RecurrentCellKind cell)
    {
        var rng = new Random(9);
        var stack = Make(cell, layers: 2, bidirectional: false, seed: 10);
        var x = RandomTensor(rng, Batch, Time, Input);
        var h0 = RandomTensor(rng, 2, Batch, Hidden);
        var c0 = cell == RecurrentCellKind.Lstm ? RandomTensor(rng, 2, Batch, Hidden) : null;
        var expected = TestData.ToDoubles(stack.Forward(x, [Time, Time, Time], h0, c0).Span);

        var h = h0.Span.ToArray();
        var c = c0?.Span.ToArray() ?? [];
        var stepped = new float[Batch * Time * Hidden];
        var xt = new float[Batch * Input];
        for (int t = 0; t < Time; t++)
        {
            for (int b = 0; b < Batch; b++) x.Span.Slice((b * Time + t) * Input, Input).CopyTo(xt.AsSpan(b * Input));
            stack.Step(xt, Batch, h, c, h, c);                                           // the state updated in place
            for (int b = 0; b < Batch; b++) h.AsSpan((Batch + b) * Hidden, Hidden).CopyTo(stepped.AsSpan((b * Time + t) * Hidden));
        }
        Precision.AssertClose(stepped, expected, 1e-6, $"{cell} stepped output");
        Precision.AssertClose(h, TestData.ToDoubles(stack.FinalHidden.Span), 1e-6, $"{cell} stepped h_n");
        if (c0 != null) Precision.AssertClose(c, TestData.ToDoubles(stack.FinalCell.Span), 1e-6, $"{cell} stepped c_n");
    }

    [Fact]
    public void Parameters_carry_pytorch_names_and_shapes()
    {
        var stack = new RecurrentStack(ParameterStore.Creating(), "enc.rnn", RecurrentCellKind.Lstm, 3, 4, layers: 2, bidirectional: true);
        var names = stack.Parameters().Select(p => p.ToString()).ToList();
        Assert.Equal(16, names.Count);
        Assert.Equal("enc.rnn.weight_ih_l0 [16, 3]", names[0]);
        Assert.Equal("enc.rnn.weight_hh_l0 [16, 4]", names[1]);
        Assert.Equal("enc.rnn.bias_ih_l0 [16]", names[2]);
        Assert.Equal("enc.rnn.bias_hh_l0 [16]", names[3]);
        Assert.Equal("enc.rnn.weight_ih_l0_reverse [16, 3]", names[4]);
        Assert.Equal("enc.rnn.weight_ih_l1 [16, 8]", names[8]);
        Assert.Equal("enc.rnn.bias_hh_l1_reverse [16]", names[15]);
        Assert.Equal("weight_ih_l0 [3, 2]", new RecurrentStack(ParameterStore.Creating(), "", RecurrentCellKind.Gru, 2, 1).Parameters().First().ToString());

        stack.InitializeUniform(seed: 1);
        float bound = 1f / MathF.Sqrt(4);
        Assert.All(stack.Parameters(), p => Assert.All(p.Value.Span.ToArray(), v => Assert.InRange(v, -bound, bound)));
        Assert.Contains(stack.Parameters().First().Value.Span.ToArray(), v => v != 0);
    }

    [Fact]
    public void Bad_shapes_and_lengths_are_rejected()
    {
        var stack = Make(RecurrentCellKind.Gru, 1, bidirectional: true, seed: 11);
        var x = new Tensor(Batch, Time, Input);
        Assert.Throws<ArgumentOutOfRangeException>(() => stack.Forward(x, [1, 6, 2]));
        Assert.Throws<ArgumentException>(() => stack.Forward(x, [1, 2]));
        Assert.Throws<ArgumentException>(() => stack.Forward(new Tensor(Batch, Time, Input + 1), [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => stack.Forward(x, [1, 2, 3], h0: new Tensor(1, Batch, Hidden)));
        Assert.Throws<ArgumentException>(() => stack.Forward(x, [1, 2, 3], c0: new Tensor(2, Batch, Hidden)));
        Assert.Throws<InvalidOperationException>(() => stack.Step(new float[Input], 1, new float[2 * Hidden], default, new float[2 * Hidden], default));
    }

    private static double Dot(Tensor a, Tensor b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a.Span[i] * b.Span[i];
        return s;
    }
}
