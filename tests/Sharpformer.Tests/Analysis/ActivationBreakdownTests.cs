using Sharpformer.Analysis;
using Sharpformer.Benchmarks;
using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Tests.Analysis;

/// <summary>
/// The memory comparison's counts: after a training step, the attention buffers a network holds are exactly the sizes the
/// shapes give (Transformer: weights, score gradient, dropped weights and dropout mask, [B, h, T_q, T_k] each, per block;
/// RNN: weights and score gradient [B, T, S], and the additive attention's tanh activations [B, T, S, A]); and at a fixed
/// token budget the rest stays put while the attention part grows with T.
/// </summary>
public sealed class ActivationBreakdownTests
{
    private const int Pad = 0, Vocab = 30;

    private static Seq2SeqBatch Batch(int batch, int s, int t) => TrainBenchmark.RandomBatch(new TokenSpec(Vocab, Pad, 1, 2), batch, s, t, seed: 3);

    private static ActivationBreakdown AfterStep(ModelConfig config, Seq2SeqBatch batch)
    {
        var model = config.CreateModel();
        model.Initialize(2);
        var step = new TrainStep(model, new OptimizerSettings(), seed: 1);
        step.Run(batch);
        return ActivationBreakdown.Of(step.Network);
    }

    private static TransformerConfig Transformer(int encoderLayers, int decoderLayers, float attentionDropout) => new()
    {
        VocabSize = Vocab, DModel = 8, Heads = 2, DFf = 16, EncoderLayers = encoderLayers, DecoderLayers = decoderLayers,
        Dropout = 0.1f, AttentionDropout = attentionDropout,
    };

    [Theory]
    [InlineData(2, 1, 0.1f)]
    [InlineData(1, 2, 0f)]
    public void Transformer_attention_buffers_are_B_h_Tq_Tk_per_block(int encoderLayers, int decoderLayers, float attentionDropout)
    {
        const int b = 3, s = 5, t = 4, h = 2;
        var breakdown = AfterStep(Transformer(encoderLayers, decoderLayers, attentionDropout), Batch(b, s, t));
        // P = softmax(QKᵀ/√d_k) of encoder self [S×S], decoder self [T×T] and cross [T×S] attention, B·h of each
        long weights = (long)b * h * (encoderLayers * s * s + decoderLayers * (t * t + t * s)) * sizeof(float);
        Assert.Equal(weights, breakdown.AttentionWeightBytes);
        // the score gradient always; with attention dropout also the dropped weights and the mask
        Assert.Equal(weights * (attentionDropout > 0 ? 3 : 1), breakdown.AttentionPairBytes);
        Assert.Equal(breakdown.Buffers.Sum(x => x.Bytes), breakdown.TotalBytes);
        Assert.Equal((double)breakdown.AttentionBytes / breakdown.TotalBytes, breakdown.AttentionShare, 12);
    }

    [Theory]
    [InlineData(RnnConfig.PlainName)]
    [InlineData(RnnConfig.DotName)]
    [InlineData(RnnConfig.AdditiveName)]
    public void Rnn_attention_buffers_are_B_T_S_and_the_additive_tanh_activations(string architecture)
    {
        const int b = 2, s = 6, t = 5, a = 4;
        var config = RnnConfig.For(architecture) with { VocabSize = Vocab, Cell = RecurrentCellKind.Gru, EmbeddingSize = 6, HiddenSize = 5, AttentionSize = a, Dropout = 0.2f };
        var breakdown = AfterStep(config, Batch(b, s, t));
        long pairs = (long)b * t * s * sizeof(float);
        var (weights, other) = architecture switch
        {
            RnnConfig.PlainName => (0L, 0L),
            RnnConfig.DotName => (pairs, pairs),                       // a, ∂score
            _ => (pairs, pairs + pairs * a),                           // a, ∂score, e = tanh(W_q h_i + W_k s_j)
        };
        Assert.Equal(weights, breakdown.AttentionWeightBytes);
        Assert.Equal(other, breakdown.AttentionPairBytes);
        Assert.True(breakdown.TotalBytes > breakdown.AttentionBytes);
    }

    [Fact]
    public void Paths_outside_attention_are_not_counted_as_attention()
    {
        Assert.Equal(ActivationKind.Other, ActivationBreakdown.Classify("Decoder.Layers[0].CrossAttention.qkv"));
        Assert.Equal(ActivationKind.Other, ActivationBreakdown.Classify("AdditiveAttention.q"));
        Assert.Equal(ActivationKind.Other, ActivationBreakdown.Classify("DotAttention.Context"));
        Assert.Equal(ActivationKind.AttentionWeights, ActivationBreakdown.Classify("Encoder.Layers[2].SelfAttention.attention.Weights"));
        Assert.Equal(ActivationKind.AttentionPairs, ActivationBreakdown.Classify("Encoder.Layers[2].SelfAttention.attention.dropout.mask"));
    }

    [Fact]
    public void At_a_fixed_budget_the_attention_part_grows_with_T_and_the_rest_stays()
    {
        // learned positions, so no table grows with T: everything but attention is B·T-sized
        var config = Transformer(1, 1, 0.1f) with { Positions = PositionEncodingKind.Learned, MaxPositions = 64 };
        MemoryPoint Point(int length) => MemoryBenchmark.Run(new MemoryBenchmarkOptions
        {
            Name = "tiny", Model = config, Length = length, BatchTokens = 64, Steps = 2, Threads = 1,
        });
        var shortRun = Point(8);
        var longRun = Point(32);
        Assert.Equal((8, 2), (shortRun.Batch, longRun.Batch));
        Assert.Equal(shortRun.ActivationBytes - shortRun.AttentionBytes, longRun.ActivationBytes - longRun.AttentionBytes);
        // B·T² = budget·T: four times the length, four times the attention bytes
        Assert.Equal(4 * shortRun.AttentionBytes, longRun.AttentionBytes);
        Assert.Equal(4L * 8 * 2 * (8 * 8 + 8 * 8 + 8 * 8) * sizeof(float), shortRun.AttentionBytes);   // 4 buffers × B·h·(S² + T² + TS)
        Assert.True(longRun.AttentionShare > shortRun.AttentionShare);
        Assert.True(shortRun.PeakRssMb > 0 && shortRun.ModelStateBytes == 4L * sizeof(float) * config.CreateModel().Parameters.Sum(p => (long)p.Length));
    }
}
