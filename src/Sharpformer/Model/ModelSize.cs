namespace Sharpformer.Model;

/// <summary>
/// What a model of a given config holds and needs, computed from the config alone (<see cref="ModelConfig.Size"/>),
/// so that a config asking for more memory than the limit, or for a tensor larger than one array can hold, is
/// refused before a single weight is allocated (a model file whose config says vocab_size 2e9 is an error, not an
/// out-of-memory crash). Figures are doubles: an absurd config must not overflow. Each architecture has its own
/// (<see cref="TransformerSize"/>, <see cref="RnnSize"/>); the training estimate built on them is
/// <see cref="Training.ResourceEstimate"/>.
/// </summary>
public abstract class ModelSize
{
    /// <summary>The parameters of the model, exactly as many as it will have.</summary>
    public abstract double Parameters { get; }

    /// <summary>
    /// The largest single tensor: its name, element count, and the config field (path under the training options,
    /// e.g. "Model.DModel") to make smaller.
    /// </summary>
    public abstract (string Name, double Elements, string Field) LargestTensor { get; }

    /// <summary>The sizes that decide the parameter count, for messages ("vocab_size 8000, d_model 512, d_ff 2048, 6+6 layers").</summary>
    public abstract string Describe();

    /// <summary>
    /// Bytes a training step holds besides the parameters: the activations and caches its layers keep for the backward
    /// pass and the gradients flowing back through them, for a batch of <paramref name="tokens"/> tokens per side in
    /// sequences of <paramref name="length"/> tokens. Errs on the high side.
    /// </summary>
    public abstract double TrainingActivationBytes(double tokens, double length);

    /// <summary>Bytes a beam search holds for a decode batch of <paramref name="tokens"/> source tokens in sentences of <paramref name="length"/>.</summary>
    public abstract double DecodeBytes(double tokens, int beam, double length);

    /// <summary>Bytes to load the model for inference: the file's bytes, the weights, and one conversion buffer.</summary>
    public double InferenceBytes => 3 * 4 * Parameters;

    /// <summary>
    /// Throws a one-line error starting with <paramref name="origin"/> when loading the model needs more than
    /// <paramref name="limit"/> bytes, or its largest tensor exceeds what one .NET array holds.
    /// </summary>
    public void CheckLoadable(long limit, string origin)
    {
        if (InferenceBytes > limit)
            throw new UserInputException($"{origin}: the config needs about {MemoryLimit.Format(InferenceBytes)} of memory to load "
                + $"({Parameters:G3} parameters: {Describe()}), more than the limit of {MemoryLimit.Format(limit)}");
        var (name, elements, _) = LargestTensor;
        if (elements > Array.MaxLength)
            throw new UserInputException($"{origin}: the config makes {name} hold {elements:G3} values, more than one array can ({Array.MaxLength:N0}); {Describe()}");
    }

    /// <summary>The largest of <paramref name="tensors"/> (name, elements, field to make smaller).</summary>
    protected static (string Name, double Elements, string Field) Largest(params (string Name, double Elements, string Field)[] tensors) =>
        tensors.MaxBy(t => t.Elements);
}
