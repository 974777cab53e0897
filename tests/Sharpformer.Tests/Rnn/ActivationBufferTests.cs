using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Tests.Layers;

namespace Sharpformer.Tests.Rnn;

/// <summary>
/// Counting what a training network holds: nothing before its first pass (weights are not activations), the
/// known buffers afterwards under their paths, and more for longer sequences.
/// </summary>
public sealed class ActivationBufferTests
{
    private static void Step(ITrainingNetwork network, int batch, int sourceLength, int targetLength)
    {
        var rng = new Random(1);
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => 3 + rng.Next(10)).ToArray();
        var logits = network.Forward(Ids(batch * sourceLength), Ids(batch * targetLength), batch, sourceLength, targetLength, ForwardContext.Eval);
        network.Backward(logits);
    }

    [Fact]
    public void An_rnn_network_holds_no_buffers_before_a_pass_and_its_attention_activations_after()
    {
        var model = TinyRnn.Build(RnnConfig.AdditiveName, RecurrentCellKind.Gru, seed: 1, layers: 1);
        var network = model.CreateWorkspace();
        Assert.Equal(0, ActivationBuffers.TotalBytes(network));                          // parameters and gradients are not counted

        Step(network, batch: 3, sourceLength: 4, targetLength: 5);
        var buffers = ActivationBuffers.Measure(network);
        // tanh(W_q h_i + W_k s_j) for every (row, target, source) pair: [3, 5, 4, A = 4] floats
        var e = Assert.Single(buffers, b => b.Path == "AdditiveAttention.e");
        Assert.Equal(3L * 5 * 4 * 4 * sizeof(float), e.Bytes);
        Assert.Contains(buffers, b => b.Path == "AdditiveAttention.Weights" && b.Bytes == 3L * 5 * 4 * sizeof(float));
        Assert.Contains(buffers, b => b.Path == "Encoder.Output" && b.Bytes == 3L * 4 * 2 * 5 * sizeof(float));   // [B, S, 2H]
        Assert.Equal(buffers.Count, buffers.Select(b => b.Path).Distinct().Count());

        long small = ActivationBuffers.TotalBytes(network);
        Step(network, batch: 3, sourceLength: 12, targetLength: 15);
        Assert.True(ActivationBuffers.TotalBytes(network) > 3 * small);
    }

    [Fact]
    public void A_transformer_network_counts_its_attention_weights_per_layer()
    {
        var tiny = new TinyModel(TinyModel.Config(Activation.Relu, false, 1, 1), 0f, ForwardContext.Eval);
        Assert.True(tiny.Model.Parameters.Sum(p => p.Grad.Length) > 0);                   // gradients exist, and are not counted
        Assert.Equal("Positions.table", Assert.Single(ActivationBuffers.Measure(tiny.Network), b => b.Bytes > 0).Path);   // fixed sinusoids, no weights
        tiny.ForwardBackward();
        var buffers = ActivationBuffers.Measure(tiny.Network);
        var weights = buffers.Where(b => b.Path.EndsWith("attention.Weights", StringComparison.Ordinal)).Select(b => (b.Path, b.Bytes)).ToList();
        // P = softmax(QKᵀ/√d_k) of each attention: [B, h, T_q, T_k]
        Assert.Equal([
            ("Encoder.Layers[0].SelfAttention.attention.Weights", (long)TinyModel.Batch * 2 * TinyModel.SourceLength * TinyModel.SourceLength * sizeof(float)),
            ("Decoder.Layers[0].SelfAttention.attention.Weights", (long)TinyModel.Batch * 2 * TinyModel.TargetLength * TinyModel.TargetLength * sizeof(float)),
            ("Decoder.Layers[0].CrossAttention.attention.Weights", (long)TinyModel.Batch * 2 * TinyModel.TargetLength * TinyModel.SourceLength * sizeof(float)),
        ], weights);
    }
}
