using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Kernels;
using Sharpformer.Training;

namespace Sharpformer.Tests.Rnn;

/// <summary>
/// What measurements read off a training pass: each recurrent state and the gradient that reached it, and the gradient
/// of the loss with respect to each source position's embedding. Each is checked against a quantity found another way.
/// </summary>
public sealed class MeasurementHookTests
{
    [Theory]
    [InlineData(RecurrentCellKind.Rnn)]
    [InlineData(RecurrentCellKind.Gru)]
    [InlineData(RecurrentCellKind.Lstm)]
    public void State_gradients_equal_the_initial_state_gradient_of_the_rest_of_the_sequence(RecurrentCellKind cell)
    {
        // ∂L/∂h_s of a run over t = 0…T−1 is ∂L/∂h0 of a run over t = s…T−1 started from h_s (and c_s), with the same
        // output gradients (what RecurrentStackTests check against finite differences), plus the gradient of h_s's own
        // output, o_{s−1} = h_s.
        const int batch = 2, time = 6, input = 3, hidden = 4, s = 2;
        var rng = new Random(4);
        var store = ParameterStore.Creating();
        var full = new RecurrentStack(store, "rnn", cell, input, hidden);
        foreach (var p in full.Parameters()) TestData.Uniform(rng, p.Length, -0.6f, 0.6f).CopyTo(p.Value.Span);
        var rest = new RecurrentStack(ParameterStore.Binding(store.Parameters.ToDictionary(p => p.Name)), "rnn", cell, input, hidden);
        var x = new Tensor(batch, time, input);
        TestData.Uniform(rng, x.Length).CopyTo(x.Span);
        var dOut = new Tensor(batch, time, hidden);
        TestData.Uniform(rng, dOut.Length).CopyTo(dOut.Span);
        int[] lengths = [time, time];

        full.Forward(x, lengths);
        full.Backward(dOut);
        var layer = full.Layers[0];
        int n = batch * hidden;
        var hS = Tensor.FromArray(layer.States.Slice(s * n, n).ToArray(), 1, batch, hidden);
        Tensor? cS = null;
        if (cell == RecurrentCellKind.Lstm)
        {
            // the cell state c_s: run the first s steps alone
            var head = new RecurrentStack(ParameterStore.Binding(store.Parameters.ToDictionary(p => p.Name)), "rnn", cell, input, hidden);
            head.Forward(Slice(x, 0, s), [s, s]);
            cS = Tensor.FromArray(head.FinalCell.Span.ToArray(), 1, batch, hidden);
            Assert.Equal(hS.Span.ToArray(), head.FinalHidden.Span.ToArray());
        }
        rest.Forward(Slice(x, s, time), [time - s, time - s], hS, cS);
        rest.Backward(Slice(dOut, s, time));
        var expected = new double[n];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hidden; j++)
                expected[b * hidden + j] = rest.InitialHiddenGrad.Span[b * hidden + j] + (double)dOut.Span[(b * time + s - 1) * hidden + j];
        Precision.AssertClose(layer.StateGrads.Slice(s * n, n), expected, 1e-5, $"{cell} ∂L/∂h_{s}");
        Assert.Equal(full.InitialHiddenGrad.Span.ToArray(), layer.StateGrads[..n].ToArray());
    }

    // t in [from, to) of a [B, T, W] tensor
    private static Tensor Slice(Tensor t, int from, int to)
    {
        int b = t.Dim(0), time = t.Dim(1), w = t.Dim(2);
        var result = new Tensor(b, to - from, w);
        for (int i = 0; i < b; i++) t.Span.Slice((i * time + from) * w, (to - from) * w).CopyTo(result.Span.Slice(i * (to - from) * w));
        return result;
    }

    [Fact]
    public void Source_embedding_gradients_are_the_source_share_of_the_tied_embedding_gradient()
    {
        // embed.weight (checked against finite differences in RnnGradientCheckTests) collects three shares:
        // dE[id] = √E·(Σ over source positions of ∂L/∂x + Σ over target positions of ∂L/∂y) + Σ_n ∂L/∂logits[n, id]·h̃_n.
        // With every source id used once and nowhere else, each source row of dE must equal √E·SourceEmbeddingGrad at its position.
        var model = TinyRnn.Build(RnnConfig.DotName, RecurrentCellKind.Gru, seed: 5, layers: 1, vocab: 20);
        var network = model.CreateWorkspace();
        int[] source = [10, 11, 12, 13, 0, 14, 15, 0, 0, 0];          // [2, 5]: rows of 4 and 2 tokens
        int[] targetIn = [1, 3, 4, 1, 5, 0];                          // [2, 3]
        int[] targetOut = [3, 4, 2, 5, 2, 0];
        var logits = network.Forward(source, targetIn, 2, 5, 3, ForwardContext.Eval);
        new LabelSmoothedCrossEntropy(0.1f, TinyRnn.Pad).Compute(logits, targetOut, 6, logits);
        var dLogits = logits.Span.ToArray();
        var hTilde = network.AttentionalHidden.Output.Span.ToArray();   // [6, E]
        network.ZeroGrad();
        network.Backward(logits);

        int e = model.Config.EmbeddingSize;
        float scale = MathF.Sqrt(e);
        var dE = model.ParameterByName["embed.weight"].Grad.Span;
        var dx = network.SourceEmbeddingGrad.Span;                     // [2, 5, E]
        for (int pos = 0; pos < source.Length; pos++)
        {
            var atPosition = dx.Slice(pos * e, e);
            if (source[pos] == TinyRnn.Pad)
            {
                Assert.All(atPosition.ToArray(), v => Assert.Equal(0f, v));   // padding reaches nothing
                continue;
            }
            var expected = new double[e];
            for (int i = 0; i < e; i++)
            {
                double output = 0;
                for (int row = 0; row < 6; row++) output += dLogits[row * 20 + source[pos]] * hTilde[row * e + i];
                expected[i] = (dE[source[pos] * e + i] - output) / scale;
            }
            Precision.AssertClose(atPosition, expected, 1e-4, $"position {pos}");
            Assert.True(System.Numerics.Tensors.TensorPrimitives.Norm(atPosition) > 0, $"position {pos}");
        }
    }
}
