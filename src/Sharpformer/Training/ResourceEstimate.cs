using Sharpformer.Model;

namespace Sharpformer.Training;

/// <summary>
/// What a training run will hold in memory, estimated from its options before anything is allocated:
/// the parameters with their gradients and both Adam moments (4 float32 arrays each), the activations a
/// layer keeps for its backward pass and the gradients flowing back through them for the largest batch
/// (<see cref="TrainingOptions.BatchTokens"/> tokens, or one sentence of <see cref="TrainingOptions.MaxLength"/>
/// when that is longer), and the caches of the validation decode. The figures err on the high side: the
/// test that checks them requires the estimate to cover what a real step allocates.
/// </summary>
public sealed record ResourceEstimate(double Parameters, double ParameterBytes, double ActivationBytes, double DecodeBytes, int BatchTokens)
{
    public double TotalBytes => ParameterBytes + ActivationBytes + DecodeBytes;

    // Source and target tokens of a decode batch (the translator's default budget).
    private const int DecodeTokens = 4096;

    public static ResourceEstimate ForTraining(TrainingOptions o)
    {
        var size = o.Model.WithTokens(o.Model.Tokens with { VocabSize = o.VocabSize }).Size();
        double parameters = size.Parameters;
        double t = (double)o.MaxLength + 1;                                  // longest padded side: tokens + EOS (source) or BOS (target)
        double n = Math.Max(o.BatchTokens, t);                               // tokens of the largest batch, per side
        double decode = size.DecodeBytes(DecodeTokens, Math.Max(o.ValidBeam, o.TestBeam), t);
        return new ResourceEstimate(parameters, 16 * parameters, size.TrainingActivationBytes(n, t), decode, (int)Math.Min(n, int.MaxValue));
    }

    /// <summary>One line for an error or a log: the total and where it comes from.</summary>
    public string Describe() =>
        $"about {MemoryLimit.Format(TotalBytes)} ({Parameters:G3} parameters × 16 bytes for weights, gradients and Adam moments: {MemoryLimit.Format(ParameterBytes)}; "
        + $"activations for batches of {BatchTokens:N0} tokens: {MemoryLimit.Format(ActivationBytes)}; decoding: {MemoryLimit.Format(DecodeBytes)})";
}
