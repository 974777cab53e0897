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
        var c = o.Model with { VocabSize = o.VocabSize };
        double parameters = ModelSize.Parameters(c);
        double d = c.DModel, dff = c.DFf, h = c.Heads, v = c.VocabSize;
        double t = (double)o.MaxLength + 1;                                  // longest padded side: tokens + EOS (source) or BOS (target)
        double n = Math.Max(o.BatchTokens, t);                               // tokens of the largest batch, per side
        // floats kept per token: a layer's inputs, projections, attention rows (h·T per token, and their dropout copy)
        // and feed-forward hidden units, once forward and once for the gradients coming back
        double encoderLayer = 12 * d + 3 * dff + 2 * h * t;
        double decoderLayer = 20 * d + 3 * dff + 4 * h * t;
        double perToken = 2 * (4 * d + c.EncoderLayers * encoderLayer + c.DecoderLayers * decoderLayer + 2 * v);
        double activations = 4 * n * perToken;
        int beam = Math.Max(o.ValidBeam, o.TestBeam);
        // decode: per row and step the self-attention keys/values of every decoder layer, the cross-attention keys/values
        // of the source, and a row of log-probabilities per beam
        double decode = 4 * DecodeTokens * beam * (c.DecoderLayers * 4 * d + 2 * v / Math.Max(1, t) + 4 * d);
        return new ResourceEstimate(parameters, 16 * parameters, activations, decode, (int)Math.Min(n, int.MaxValue));
    }

    /// <summary>One line for an error or a log: the total and where it comes from.</summary>
    public string Describe() =>
        $"about {MemoryLimit.Format(TotalBytes)} ({Parameters:G3} parameters × 16 bytes for weights, gradients and Adam moments: {MemoryLimit.Format(ParameterBytes)}; "
        + $"activations for batches of {BatchTokens:N0} tokens: {MemoryLimit.Format(ActivationBytes)}; decoding: {MemoryLimit.Format(DecodeBytes)})";
}
