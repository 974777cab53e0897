namespace Sharpformer.Model;

/// <summary>What a Transformer of a given config holds, from the config alone (see <see cref="ModelSize"/>).</summary>
public sealed class TransformerSize(TransformerConfig config) : ModelSize
{
    private readonly TransformerConfig _c = config;

    /// <inheritdoc/>
    public override double Parameters
    {
        get
        {
            double d = _c.DModel, dff = _c.DFf;
            double attention = 4 * d * d + 4 * d;                 // in_proj [3d, d] + bias [3d], out_proj [d, d] + bias [d]
            double feedForward = 2 * d * dff + dff + d;           // linear1 [d_ff, d] + bias, linear2 [d, d_ff] + bias
            double norm = 2 * d;                                  // gain and bias
            double encoderLayer = attention + feedForward + 2 * norm;
            double decoderLayer = 2 * attention + feedForward + 3 * norm;
            return (double)_c.VocabSize * d                       // the shared embedding E [V, d]
                + (_c.Positions == PositionEncodingKind.Learned ? (double)_c.MaxPositions * d : 0)
                + _c.EncoderLayers * encoderLayer + _c.DecoderLayers * decoderLayer
                + (_c.NormFirst ? 2 * norm : 0);                  // final norms of both stacks
        }
    }

    /// <inheritdoc/>
    public override (string Name, double Elements, string Field) LargestTensor
    {
        get
        {
            double d = _c.DModel;
            return Largest(("embed.weight", (double)_c.VocabSize * d, "Model.DModel"),
                ("pos_embed.weight", _c.Positions == PositionEncodingKind.Learned ? _c.MaxPositions * d : 0, "Model.DModel"),
                ("in_proj_weight", 3 * d * d, "Model.DModel"), ("linear1.weight", d * _c.DFf, _c.DFf > _c.DModel ? "Model.DFf" : "Model.DModel"));
        }
    }

    /// <inheritdoc/>
    public override string Describe() => $"vocab_size {_c.VocabSize}, d_model {_c.DModel}, d_ff {_c.DFf}, {_c.EncoderLayers}+{_c.DecoderLayers} layers";

    /// <inheritdoc/>
    public override double TrainingActivationBytes(double tokens, double length)
    {
        double d = _c.DModel, dff = _c.DFf, h = _c.Heads, v = _c.VocabSize, t = length;
        // floats kept per token: a layer's inputs, projections, attention rows (h·T per token, and their dropout copy)
        // and feed-forward hidden units, once forward and once for the gradients coming back
        double encoderLayer = 12 * d + 3 * dff + 2 * h * t;
        double decoderLayer = 20 * d + 3 * dff + 4 * h * t;
        double perToken = 2 * (4 * d + _c.EncoderLayers * encoderLayer + _c.DecoderLayers * decoderLayer + 2 * v);
        return 4 * tokens * perToken;
    }

    /// <inheritdoc/>
    public override double DecodeBytes(double tokens, int beam, double length)
    {
        double d = _c.DModel, v = _c.VocabSize;
        // per row and step the self-attention keys/values of every decoder layer, the cross-attention keys/values
        // of the source, and a row of log-probabilities per beam
        return 4 * tokens * beam * (_c.DecoderLayers * 4 * d + 2 * v / Math.Max(1, length) + 4 * d);
    }
}
