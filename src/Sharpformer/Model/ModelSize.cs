namespace Sharpformer.Model;

/// <summary>
/// What a Transformer of a given config holds, computed from the config alone, so that a config asking for
/// more memory than the limit, or for a tensor larger than one array can hold, is refused before a single
/// weight is allocated (a model file whose config says vocab_size 2e9 is an error, not an out-of-memory crash).
/// </summary>
public static class ModelSize
{
    /// <summary>The parameters of a Transformer with this config (as a double: an absurd config must not overflow).</summary>
    public static double Parameters(TransformerConfig c)
    {
        double d = c.DModel, dff = c.DFf;
        double attention = 4 * d * d + 4 * d;                 // in_proj [3d, d] + bias [3d], out_proj [d, d] + bias [d]
        double feedForward = 2 * d * dff + dff + d;           // linear1 [d_ff, d] + bias, linear2 [d, d_ff] + bias
        double norm = 2 * d;                                  // gain and bias
        double encoderLayer = attention + feedForward + 2 * norm;
        double decoderLayer = 2 * attention + feedForward + 3 * norm;
        return (double)c.VocabSize * d                        // the shared embedding E [V, d]
            + (c.Positions == PositionEncodingKind.Learned ? (double)c.MaxPositions * d : 0)
            + c.EncoderLayers * encoderLayer + c.DecoderLayers * decoderLayer
            + (c.NormFirst ? 2 * norm : 0);                   // final norms of both stacks
    }

    /// <summary>The largest single tensor, by name and element count.</summary>
    public static (string Name, double Elements) LargestTensor(TransformerConfig c)
    {
        double d = c.DModel;
        var candidates = new (string, double)[]
        {
            ("embed.weight", (double)c.VocabSize * d), ("pos_embed.weight", c.Positions == PositionEncodingKind.Learned ? c.MaxPositions * d : 0),
            ("in_proj_weight", 3 * d * d), ("linear1.weight", d * c.DFf),
        };
        return candidates.MaxBy(x => x.Item2);
    }

    /// <summary>Bytes to load a model for inference: the file's bytes, the weights, and one conversion buffer.</summary>
    public static double InferenceBytes(TransformerConfig c) => 3 * 4 * Parameters(c);

    /// <summary>
    /// Throws a one-line error starting with <paramref name="origin"/> when loading the config needs more than
    /// <paramref name="limit"/> bytes, or its largest tensor exceeds what one .NET array holds.
    /// </summary>
    public static void CheckLoadable(TransformerConfig c, long limit, string origin)
    {
        double bytes = InferenceBytes(c);
        if (bytes > limit)
            throw new UserInputException($"{origin}: the config needs about {MemoryLimit.Format(bytes)} of memory to load "
                + $"({Parameters(c):G3} parameters: vocab_size {c.VocabSize}, d_model {c.DModel}, d_ff {c.DFf}, {c.EncoderLayers}+{c.DecoderLayers} layers), "
                + $"more than the limit of {MemoryLimit.Format(limit)}");
        var (name, elements) = LargestTensor(c);
        if (elements > Array.MaxLength)
            throw new UserInputException($"{origin}: the config makes {name} hold {elements:G3} values, more than one array can ({Array.MaxLength:N0}); "
                + $"d_model {c.DModel}, d_ff {c.DFf}, vocab_size {c.VocabSize}");
    }
}
