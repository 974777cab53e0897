namespace Sharpformer.Inference;

/// <summary>
/// Settings of <see cref="SamplingStrategy"/>: the next token is drawn from the model's distribution
/// sharpened or flattened by <see cref="Temperature"/>, restricted to the <see cref="TopK"/> most likely
/// tokens and to the smallest set whose probability reaches <see cref="TopP"/> (nucleus sampling).
/// The draws are a function of (<see cref="Seed"/>, sentence, step) only, so a seed reproduces an answer.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>p_i ∝ exp(log p_i / T): below 1 sharper (toward greedy), above 1 flatter. Must be &gt; 0.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the K most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability sums to at least P; 1 keeps all.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>The seed every draw derives from.</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws <see cref="UserInputException"/> naming the first bad field.</summary>
    public SamplingOptions Validate()
    {
        if (!(Temperature > 0) || !double.IsFinite(Temperature))
            throw UserInputException.ForField(nameof(Temperature), $"must be a finite number above 0, got {Temperature}");
        if (TopK < 0) throw UserInputException.ForField(nameof(TopK), $"must be 0 (all tokens) or positive, got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw UserInputException.ForField(nameof(TopP), $"must be in (0, 1], got {TopP}");
        return this;
    }
}
