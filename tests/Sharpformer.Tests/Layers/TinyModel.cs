using Sharpformer.Layers;
using Sharpformer.Model;
using Sharpformer.Tests.Kernels;
using Sharpformer.Training;

namespace Sharpformer.Tests.Layers;

/// <summary>
/// A tiny Transformer with a padded batch and a loss, for gradient checks and model properties:
/// d = 8, 2 heads, vocabulary 13; three sentences of different lengths on each side.
/// </summary>
internal sealed class TinyModel
{
    public const int Pad = 0, Bos = 1, Eos = 2, Vocab = 13;
    public const int Batch = 3, SourceLength = 6, TargetLength = 5;

    public TinyModel(TransformerConfig config, float labelSmoothing, ForwardContext context, int seed = 1)
    {
        Model = new Transformer(config);
        Initialization.Initialize(Model, seed);
        // Biases 0 and gains 1 are a special point (e.g. a gain's gradient never meets γ ≠ 1): move off it.
        var rng = new Random(seed + 100);
        foreach (var p in Model.Parameters)
            if (p.Role is ParameterRole.Bias or ParameterRole.NormGain)
                for (int i = 0; i < p.Length; i++) p.Value.Span[i] += (float)(0.2 * (rng.NextDouble() - 0.5));
        Network = Model.CreateWorkspace();
        Loss = new LabelSmoothedCrossEntropy(labelSmoothing, Pad);
        Context = context;
    }

    public static TransformerConfig Config(Activation activation, bool normFirst, int encoderLayers, int decoderLayers,
        float dropout = 0f, PositionEncodingKind positions = PositionEncodingKind.Sinusoidal) => new()
    {
        VocabSize = Vocab, DModel = 8, Heads = 2, DFf = 16, EncoderLayers = encoderLayers, DecoderLayers = decoderLayers,
        Activation = activation, NormFirst = normFirst, Dropout = dropout,
        AttentionDropout = dropout == 0 ? 0 : dropout * 1.5f, ActivationDropout = dropout == 0 ? 0 : dropout * 2f,
        Positions = positions, MaxPositions = 8, PadId = Pad, BosId = Bos, EosId = Eos,
    };

    public Transformer Model { get; }

    /// <summary>The network the passes run through (activations here, weights in <see cref="Model"/>).</summary>
    public TransformerNetwork Network { get; }
    public LabelSmoothedCrossEntropy Loss { get; }
    public ForwardContext Context { get; }

    // Rows of 6, 4 and 2 source tokens; targets of 4, 2 and 0 tokens (+ EOS), padded with 0.
    public int[] Source { get; } = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 5, 3, 0, 0, 0, 0];
    public int[] TargetIn { get; } = [1, 12, 11, 10, 9, 1, 8, 7, 0, 0, 1, 0, 0, 0, 0];
    public int[] TargetOut { get; } = [12, 11, 10, 9, 2, 8, 7, 2, 0, 0, 2, 0, 0, 0, 0];

    public Tensor Forward() => Network.Forward(Source, TargetIn, Batch, SourceLength, TargetLength, Context);

    /// <summary>The loss at the current weights (forward only).</summary>
    public double LossValue() => Loss.Compute(Forward(), TargetOut, Batch * TargetLength, null).Loss;

    /// <summary>Zeroes the gradients, then forward + loss + backward; returns the loss.</summary>
    public double ForwardBackward()
    {
        Model.ZeroGrad();
        return AccumulateGradients();
    }

    /// <summary>Forward + loss + backward without zeroing first.</summary>
    public double AccumulateGradients()
    {
        var logits = Forward();
        double loss = Loss.Compute(logits, TargetOut, Batch * TargetLength, logits).Loss;
        Network.Backward(logits);
        return loss;
    }
}
